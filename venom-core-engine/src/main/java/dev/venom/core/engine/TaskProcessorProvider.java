package dev.venom.core.engine;

import java.util.Map;

/**
 * Makes a {@link TaskProcessor} available to the Venom server by name, without rebuilding it: put the
 * implementation's jar on the server's class path, list the class in
 * {@code META-INF/services/dev.venom.core.engine.TaskProcessorProvider}, and start the server with
 * {@code VENOM_PROCESSOR=<name>}. Found with {@link java.util.ServiceLoader}; needs a public no-argument
 * constructor.
 */
public interface TaskProcessorProvider {

    /** The name {@code VENOM_PROCESSOR} selects it by: letters, digits, {@code .}, {@code _} or {@code -}. */
    String name();

    /**
     * Creates the processor once, at start-up. A processor that is {@link AutoCloseable} is closed when the
     * server stops.
     *
     * @param settings the server's settings by key ({@code VENOM_...}) and the rest of its environment, for
     *                 the processor's own configuration
     * @throws IllegalArgumentException if a setting it needs is missing or wrong; the server then exits with
     *                                  that message
     */
    TaskProcessor create(Map<String, String> settings);
}
