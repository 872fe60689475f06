package dev.venom.core.engine.internal;

import dev.venom.core.engine.EngineClosedException;
import java.util.concurrent.atomic.AtomicReference;

/** The one place the engine's {@link EngineState} changes; every part reads it from here. Thread-safe. */
public final class Lifecycle {

    private final String nodeId;
    private final AtomicReference<EngineState> state = new AtomicReference<>(EngineState.NEW);

    public Lifecycle(String nodeId) {
        this.nodeId = nodeId;
    }

    public EngineState state() {
        return state.get();
    }

    /**
     * NEW to RUNNING.
     *
     * @return false if it was running already
     * @throws EngineClosedException if it is draining or closed
     */
    public boolean start() {
        if (state.compareAndSet(EngineState.NEW, EngineState.RUNNING)) {
            return true;
        }
        if (state.get() == EngineState.RUNNING) {
            return false;
        }
        throw new EngineClosedException("orchestrator " + nodeId + " is closed");
    }

    /** NEW or RUNNING to DRAINING; false if a shutdown had begun already. */
    public boolean drain() {
        EngineState now;
        do {
            now = state.get();
            if (!now.acceptsTasks()) {
                return false;
            }
        } while (!state.compareAndSet(now, EngineState.DRAINING));
        return true;
    }

    /** DRAINING to CLOSED: the grace period is over. */
    public void close() {
        state.set(EngineState.CLOSED);
    }

    public boolean acceptsTasks() {
        return state.get().acceptsTasks();
    }

    public boolean claims() {
        return state.get().claims();
    }

    public boolean givesUpWrites() {
        return state.get().givesUpWrites();
    }

    /** What a submission that came too late fails with. */
    public EngineClosedException closedException() {
        return new EngineClosedException("orchestrator " + nodeId + " is shutting down");
    }
}
