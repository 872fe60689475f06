package dev.venom.core.http.internal;

import dev.venom.core.engine.SimulatedProcessor;
import dev.venom.core.engine.TaskProcessor;
import dev.venom.core.engine.TaskProcessorProvider;
import dev.venom.core.model.TaskLog;
import java.time.Duration;
import java.util.Map;

/**
 * {@code VENOM_PROCESSOR=simulated}: the original service's processor, which waits {@code VENOM_PROCESSING_DELAY_MS}
 * and answers in {@code VENOM_LANGUAGE}.
 */
public final class SimulatedProcessorProvider implements TaskProcessorProvider {

    @Override
    public String name() {
        return "simulated";
    }

    @Override
    public TaskProcessor create(Map<String, String> settings) {
        return new SimulatedProcessor(Duration.ofMillis(
                ProcessorSettings.millis(settings, "VENOM_PROCESSING_DELAY_MS", SimulatedProcessor.DEFAULT_DELAY)),
                TaskLog.of(settings.getOrDefault("VENOM_LANGUAGE", "en")));
    }
}
