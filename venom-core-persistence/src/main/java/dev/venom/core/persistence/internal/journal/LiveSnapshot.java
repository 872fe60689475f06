package dev.venom.core.persistence.internal.journal;

import dev.venom.core.engine.internal.EngineThreads;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the snapshot file current while the store runs, for the people and the original's scripts that
 * read it: after a change, the next tick (every {@code interval}) takes a snapshot in the background, as
 * the journal's rollover does. A store of up to 10,000 tasks is on disk within about one interval; a larger
 * one waits, after each snapshot, nineteen times what that snapshot took, so writing snapshots costs at
 * most about a twentieth of one core however large the store (a busy server's requests come first). The journal stays the durability mechanism: nothing
 * acknowledged depends on this.
 */
public final class LiveSnapshot implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LiveSnapshot.class);
    /** Up to this many tasks, a snapshot follows every change within one interval. */
    static final int SMALL_STORE = 10_000;
    /** A larger store pauses this many times a snapshot's duration after it. */
    private static final int PAUSE_FACTOR = 19;

    private final Journal journal;
    private final Supplier<CompletableFuture<Void>> take;
    private final IntSupplier size;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean changed = new AtomicBoolean();
    private volatile boolean writing;
    private volatile long notBeforeNanos = System.nanoTime();

    /**
     * @param take takes a snapshot of the state now (under the store's lock) and answers when it is on disk
     * @param size how many tasks the store holds
     */
    public LiveSnapshot(Journal journal, Supplier<CompletableFuture<Void>> take, IntSupplier size, Duration interval) {
        this.journal = journal;
        this.take = take;
        this.size = size;
        this.executor = Executors.newSingleThreadScheduledExecutor(EngineThreads.named("venom-live-snapshot"));
        executor.scheduleWithFixedDelay(this::tick, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A change was appended to the journal: the snapshot is behind. Cheap; called under the store's lock. */
    public void changed() {
        if (!changed.get()) {
            changed.set(true);
        }
    }

    private void tick() {
        try {
            if (writing || !changed.get() || System.nanoTime() - notBeforeNanos < 0 || !journal.readyForSnapshot()) {
                return;
            }
            writing = true;
            changed.set(false); // a change from here on is either in this snapshot or marks the next
            long start = System.nanoTime();
            int tasks = size.getAsInt();
            take.get().whenComplete((written, error) -> {
                long took = System.nanoTime() - start;
                if (error != null) {
                    changed.set(true); // busy or failed: the journal paces failures, the next tick tries again
                }
                notBeforeNanos = System.nanoTime() + (tasks > SMALL_STORE ? PAUSE_FACTOR * took : 0);
                writing = false;
            });
        } catch (RuntimeException e) {
            writing = false;
            changed.set(true);
            log.warn("could not start a live snapshot; trying again at the next tick: {}", e.toString());
        }
    }

    /** Stops taking snapshots; one being written finishes on its own. */
    @Override
    public void close() {
        executor.shutdownNow();
    }
}
