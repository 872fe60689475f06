package dev.venom.core.engine.internal;

import dev.venom.core.engine.CountingStore;
import dev.venom.core.engine.InMemoryStateStore;
import dev.venom.core.engine.ManualTimers;
import dev.venom.core.engine.RetryPolicy;
import dev.venom.core.engine.SettableClock;
import dev.venom.core.engine.TaskProcessor;
import dev.venom.core.model.TaskLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The engine's parts wired by hand as the orchestrator wires them, on manual time and a worker pool that
 * runs only when the test says: every step of a test happens on the test's thread, in the order it says.
 */
final class EngineParts {

    static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");
    static final Duration LEASE = Duration.ofSeconds(10);
    static final Duration COOLDOWN = Duration.ofMillis(500);
    static final String NODE = "node-a";

    final SettableClock clock = new SettableClock(T0);
    final ManualTimers timers = new ManualTimers(clock);
    final InMemoryStateStore memory = new InMemoryStateStore(clock);
    final CountingStore store = new CountingStore(memory, true);
    final ManualWorkers workers = new ManualWorkers();
    final Lifecycle lifecycle = new Lifecycle(NODE);
    final EventBus events = new EventBus(List.of(), 16);
    final Lanes lanes;
    final Announcer announcer = new Announcer(events);
    final StoreHealth health = new StoreHealth(timers, LEASE);
    final LostAnswers lostAnswers = new LostAnswers(timers, LEASE);
    final Attempts attempts;
    final Dispatcher dispatcher;
    final LeaseKeeper leaseKeeper;
    final Submitter submitter;

    EngineParts(int concurrency, TaskProcessor processor) {
        lanes = new Lanes(Map.of(), concurrency);
        attempts = new Attempts(store, processor, timers, events, RetryPolicy.DEFAULT, TaskLog.EN, LEASE, lifecycle,
                workers, lanes, this::slotFreed, this::retryDue);
        dispatcher = new Dispatcher(store, NODE, LEASE, COOLDOWN, lanes, attempts, announcer, events, health,
                lostAnswers, lifecycle, timers);
        leaseKeeper = new LeaseKeeper(store, NODE, LEASE, lanes, attempts, announcer, events, health, lostAnswers,
                lifecycle, dispatcher, timers);
        submitter = new Submitter(store, NODE, LEASE, 1, TaskLog.EN, 0, lanes, attempts, announcer, events, dispatcher,
                lostAnswers, lifecycle, timers, () -> { });
    }

    /** The lane of the default queue. */
    Lane defaultLane() {
        return lanes.lane(dev.venom.core.model.TaskRequest.DEFAULT_QUEUE);
    }

    private void slotFreed() {
        dispatcher.wake();
    }

    private void retryDue(Instant due) {
        dispatcher.wakeAt(due);
    }

    /** Workers that run what they were given only in {@link #runAll()}. */
    static final class ManualWorkers extends AbstractExecutorService {
        private final Queue<Runnable> queued = new ArrayDeque<>();
        private boolean shutdown;

        @Override
        public synchronized void execute(Runnable command) {
            if (shutdown) {
                throw new java.util.concurrent.RejectedExecutionException("workers shut down");
            }
            queued.add(command);
        }

        /** Runs every queued job, those they queue included; returns how many ran. */
        int runAll() {
            int runs = 0;
            Runnable next;
            while ((next = poll()) != null) {
                next.run();
                runs++;
            }
            return runs;
        }

        synchronized int queued() {
            return queued.size();
        }

        private synchronized Runnable poll() {
            return queued.poll();
        }

        @Override
        public synchronized void shutdown() {
            shutdown = true;
        }

        @Override
        public synchronized List<Runnable> shutdownNow() {
            shutdown = true;
            List<Runnable> dropped = List.copyOf(queued);
            queued.clear();
            return dropped;
        }

        @Override
        public synchronized boolean isShutdown() {
            return shutdown;
        }

        @Override
        public synchronized boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }
}
