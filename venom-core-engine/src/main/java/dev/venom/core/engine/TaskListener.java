package dev.venom.core.engine;

/**
 * Hears what happens to the tasks this engine creates and runs ({@link TaskEvent}), in order per task. Called
 * on one thread of the engine's, after the change is stored; a listener that throws is logged and keeps
 * its place, and one that is too slow loses events (counted, logged) rather than slowing the engine.
 * Register with {@link Orchestrator.Builder#listener}.
 */
@FunctionalInterface
public interface TaskListener {

    /** Called once per event; must not block for long. */
    void onEvent(TaskEvent event);
}
