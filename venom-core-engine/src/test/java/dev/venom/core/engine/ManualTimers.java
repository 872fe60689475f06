package dev.venom.core.engine;

import dev.venom.core.engine.internal.Timers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@link Timers} that move only when a test says so: jobs run on the test's thread, in {@link #runDue()} and
 * {@link #advance}, as db-scheduler's ManualScheduler runs its due executions. Other threads may schedule
 * jobs (a finishing attempt wakes the dispatcher); they run at the next call. Thread-safe.
 */
public final class ManualTimers implements Timers {

    private static final int MAX_RUNS_PER_CALL = 100_000;

    private final SettableClock clock;
    private final PriorityQueue<Job> jobs = new PriorityQueue<>();
    private long nanos;
    private long sequence;
    private boolean closed;

    public ManualTimers(SettableClock clock) {
        this.clock = clock;
    }

    private final class Job implements Comparable<Job>, Scheduled {
        final String what;
        final Runnable run;
        final long periodNanos;
        final long order = sequence++;
        long due;
        volatile boolean cancelled;

        Job(String what, Runnable run, long due, long periodNanos) {
            this.what = what;
            this.run = run;
            this.due = due;
            this.periodNanos = periodNanos;
        }

        @Override
        public int compareTo(Job other) {
            int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(order, other.order);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public void execute(String what, Runnable job) {
        add(what, job, Duration.ZERO, 0);
    }

    @Override
    public Scheduled schedule(String what, Runnable job, Duration delay) {
        return add(what, job, delay, 0);
    }

    @Override
    public Executor after(Duration delay) {
        return job -> schedule("delayed job", job, delay);
    }

    @Override
    public void every(String what, Runnable job, Duration initialDelay, Duration period) {
        add(what, job, initialDelay, period.toNanos());
    }

    private synchronized Job add(String what, Runnable run, Duration delay, long periodNanos) {
        if (closed) {
            throw new RejectedExecutionException("timers closed");
        }
        Job job = new Job(what, run, nanos + Math.max(0, delay.toNanos()), periodNanos);
        jobs.add(job);
        return job;
    }

    @Override
    public boolean awaitRunning(Duration timeout) {
        return true; // jobs run only inside the test's own calls
    }

    @Override
    public synchronized void close() {
        closed = true;
        jobs.clear();
    }

    /** Runs every job due now, those they schedule for now included; returns how many ran. */
    public int runDue() {
        int runs = 0;
        Job job;
        while ((job = nextDue()) != null) {
            if (++runs > MAX_RUNS_PER_CALL) {
                throw new IllegalStateException("jobs keep scheduling each other for now: " + job.what);
            }
            job.run.run();
            synchronized (this) {
                if (job.periodNanos > 0 && !job.cancelled && !closed) {
                    job.due = nanos + job.periodNanos;
                    jobs.add(job);
                }
            }
        }
        return runs;
    }

    private synchronized Job nextDue() {
        while (!jobs.isEmpty() && jobs.peek().cancelled) {
            jobs.poll();
        }
        return !jobs.isEmpty() && jobs.peek().due <= nanos ? jobs.poll() : null;
    }

    /** Moves both clocks forward by {@code by}, running each job at its due time on the way. */
    public void advance(Duration by) {
        long target;
        synchronized (this) {
            target = nanos + by.toNanos();
        }
        runDue();
        while (true) {
            synchronized (this) {
                Long next = jobs.stream().filter(j -> !j.cancelled).map(j -> j.due).min(Long::compare).orElse(null);
                long step = next == null || next > target ? target : next;
                clock.advance(Duration.ofNanos(step - nanos));
                nanos = step;
                if (step == target && (next == null || next > target)) {
                    break;
                }
            }
            runDue();
        }
        runDue();
    }

    /** Moves both clocks forward to the wall-clock time {@code instant}. */
    public void advanceTo(Instant instant) {
        advance(Duration.between(clock.instant(), instant));
    }
}
