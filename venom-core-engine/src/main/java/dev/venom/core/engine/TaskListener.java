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

    /**
     * Called (on the same thread, before the next event) when {@code count} events were dropped because the
     * listeners were behind: a listener that mirrors state should re-read it.
     */
    default void onEventsDropped(long count) {
    }

    /**
     * Called when an operator pauses, resumes or purges a queue, here or (pause and resume, within a second)
     * on another server sharing the store. Must not block for long.
     */
    default void onQueueEvent(QueueEvent event) {
    }

    /**
     * Whether {@link #onEvent} should also hear the events of tasks that other servers change in a shared
     * store (PostgreSQL), as that store reports them after they commit. Default no: a listener that counts
     * this server's own work (metrics) must not count another's; a live stream to clients says yes.
     */
    default boolean wantsRemoteEvents() {
        return false;
    }

    /**
     * Whether it wants remote events at this moment (a live stream: while a client is subscribed). While no
     * listener does, a shared store may skip finding them; the listeners are then told of events dropped.
     */
    default boolean wantsRemoteEventsNow() {
        return wantsRemoteEvents();
    }
}
