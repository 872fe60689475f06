package dev.venom.core.persistence.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue drained in batches by daemon threads of its own: the lifecycle the stores' background loops share.
 * {@link #offer} refuses once {@link #close} has begun, and takes back what it queued as close began, so
 * nothing stays queued after the last drain; close
 * lets the threads finish what is queued (if asked to) within a timeout, interrupts them after it, and
 * hands what is left to the {@code left} callback, so every item is handled, failed or left, once.
 *
 * @param <T> what is queued
 */
public final class DrainLoop<T> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DrainLoop.class);
    private static final long POLL_MILLIS = 100;

    /** Handles one batch on a loop thread. */
    @FunctionalInterface
    public interface Batch<T> {
        void handle(List<T> batch) throws InterruptedException;
    }

    private final String name;
    private final BlockingQueue<T> queue;
    private final int maxBatch;
    private final Batch<T> handler;
    private final BiConsumer<List<T>, RuntimeException> failed;
    private final Consumer<T> left;
    private final boolean drainOnClose;
    private final Duration closeTimeout;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean open = new AtomicBoolean(true);
    private volatile boolean running = true;

    /**
     * Starts {@code threads} threads named {@code <name>-1}, ... (just {@code name} for one).
     *
     * @param failed       told of a batch whose handler threw; the loop goes on
     * @param left         told of each item still queued once the threads have stopped
     * @param drainOnClose whether close lets the threads finish what is queued (within the timeout)
     */
    public DrainLoop(String name, int threads, BlockingQueue<T> queue, int maxBatch, Batch<T> handler,
                     BiConsumer<List<T>, RuntimeException> failed, Consumer<T> left, boolean drainOnClose,
                     Duration closeTimeout) {
        this.name = name;
        this.queue = queue;
        this.maxBatch = maxBatch;
        this.handler = handler;
        this.failed = failed;
        this.left = left;
        this.drainOnClose = drainOnClose;
        this.closeTimeout = closeTimeout;
        for (int i = 0; i < threads; i++) {
            Thread thread = new Thread(this::run, threads == 1 ? name : name + "-" + (i + 1));
            thread.setDaemon(true);
            this.threads.add(thread);
        }
        this.threads.forEach(Thread::start);
    }

    /** Queues {@code item}; false if the loop is closing or the queue is full. Lock-free. */
    public boolean offer(T item) {
        if (!open.get() || !queue.offer(item)) {
            return false;
        }
        // Closing began meanwhile: take it back, unless a loop thread or the last drain has it already.
        return open.get() || !queue.remove(item);
    }

    /** True until {@link #close} begins. */
    public boolean isOpen() {
        return open.get();
    }

    private void run() {
        List<T> batch = new ArrayList<>();
        while (running || drainOnClose && !queue.isEmpty()) {
            try {
                T first = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                handler.handle(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                batch.forEach(left);
                return;
            } catch (RuntimeException e) {
                failed.accept(List.copyOf(batch), e);
            } finally {
                batch.clear();
            }
        }
    }

    /** Stops accepting, lets the threads finish (or not) within the timeout, then hands over what is left. */
    @Override
    public void close() {
        if (!open.compareAndSet(true, false)) {
            return;
        }
        running = false;
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Thread thread : threads) {
            if (thread.isAlive()) {
                log.warn("{} still busy {} ms after close; interrupting it", thread.getName(), closeTimeout.toMillis());
                thread.interrupt();
            }
        }
        T item;
        while ((item = queue.poll()) != null) {
            left.accept(item);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
