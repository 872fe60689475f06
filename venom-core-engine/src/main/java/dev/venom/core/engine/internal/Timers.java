package dev.venom.core.engine.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The engine's sense of time and its timer thread: the wall clock for timestamps and {@code run_at}, a
 * monotonic clock for waits, and one thread that runs the claim loop, the heartbeat and every timer, one job
 * at a time. Jobs that throw are logged and the thread lives on. The server uses {@link SystemTimers};
 * tests use a manual implementation and advance time by hand instead of sleeping.
 */
public interface Timers extends AutoCloseable {

    /** The wall clock. */
    Clock clock();

    /** A monotonic clock in nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /**
     * Runs {@code job} on the timer thread soon.
     *
     * @throws RejectedExecutionException once closed
     */
    void execute(String what, Runnable job);

    /**
     * Runs {@code job} on the timer thread after {@code delay}.
     *
     * @throws RejectedExecutionException once closed
     */
    Scheduled schedule(String what, Runnable job, Duration delay);

    /**
     * An executor that runs a job once {@code delay} has passed, on a thread of its own choosing. Unlike
     * {@link #schedule}, it keeps working after {@link #close()}: a write still being retried when a shutdown
     * gives up waiting goes on until the store takes it or refuses it.
     */
    Executor after(Duration delay);

    /** Runs {@code job} after {@code initialDelay}, then again {@code period} after each run ends. */
    void every(String what, Runnable job, Duration initialDelay, Duration period);

    /** Waits, up to {@code timeout}, for the job that runs now (if any) to end; false if it did not. */
    boolean awaitRunning(Duration timeout);

    /** Stops the timer thread; jobs not yet due are dropped. */
    @Override
    void close();

    /** A job scheduled for later. */
    interface Scheduled {
        /** Drops the job if it has not run yet. */
        void cancel();
    }
}
