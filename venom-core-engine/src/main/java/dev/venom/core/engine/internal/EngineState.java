package dev.venom.core.engine.internal;

/**
 * The engine's lifecycle. New tasks are accepted until it drains; tasks are claimed only while it runs;
 * once closed (the shutdown's grace period is over), changes the store refuses are given up, not retried.
 */
public enum EngineState {
    NEW, RUNNING, DRAINING, CLOSED;

    public boolean acceptsTasks() {
        return this == NEW || this == RUNNING;
    }

    public boolean claims() {
        return this == RUNNING;
    }

    public boolean givesUpWrites() {
        return this == CLOSED;
    }
}
