package dev.venom.core.persistence.internal;

import com.fasterxml.jackson.databind.ObjectWriter;
import dev.venom.core.engine.ChangeLog;
import dev.venom.core.engine.StoreException;
import dev.venom.core.model.VenomTask;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only journal beside the snapshot: one task JSON per line, the task's full state after a
 * change. A single writer thread drains the queue, writes everything queued in one go and forces it to
 * disk once (group commit), then completes the waiting futures. A snapshot request in the queue is
 * written at exactly its place in the order, after which the journal starts empty.
 */
public final class Journal implements ChangeLog, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    private static final int MAX_BATCH = 8192;

    private sealed interface Job permits Change, Compaction, Stop {
    }

    private record Change(VenomTask task, CompletableFuture<Void> done) implements Job {
    }

    private record Compaction(List<VenomTask> tasks, CompletableFuture<Void> done) implements Job {
    }

    private record Stop() implements Job {
    }

    private final Path path;
    private final SnapshotFile snapshot;
    private final ObjectWriter writer;
    private final long compactionThresholdBytes;
    private final Consumer<Journal> onThreshold;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final FileChannel channel;
    private final Thread thread;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * 1024);
    private volatile boolean stopped;
    private boolean compactionRequested;

    /**
     * Opens the journal at {@code path} for appending and starts its writer thread.
     *
     * @param onThreshold called on the writer thread when the journal has grown past the threshold; it
     *                    should {@linkplain #compact queue a snapshot}
     */
    public Journal(Path path, SnapshotFile snapshot, ObjectWriter writer, long compactionThresholdBytes,
                   Consumer<Journal> onThreshold) {
        this.path = path;
        this.snapshot = snapshot;
        this.writer = writer;
        this.compactionThresholdBytes = compactionThresholdBytes;
        this.onThreshold = onThreshold;
        try {
            this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            channel.position(channel.size());
        } catch (IOException e) {
            throw new StoreException("cannot open journal " + path + ": " + e.getMessage(), e);
        }
        this.thread = new Thread(this::run, "venom-journal");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public CompletableFuture<Void> append(VenomTask task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (stopped) {
            done.completeExceptionally(new StoreException("journal " + path + " is closed"));
        } else {
            queue.add(new Change(task, done));
        }
        return done;
    }

    /**
     * Queues a snapshot of {@code tasks}; call it while no change can be appended (under the store's lock)
     * so the snapshot is exactly the state at this point of the journal.
     *
     * @return completes when the snapshot is on disk and the journal restarted
     */
    public CompletableFuture<Void> compact(List<VenomTask> tasks) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Compaction(tasks, done));
        return done;
    }

    /** Stops the writer after everything queued so far is on disk, then closes the file. Idempotent. */
    @Override
    public void close() {
        if (!stopped) {
            stopped = true;
            queue.add(new Stop());
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Job> batch = new ArrayList<>();
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                for (Job job : batch) {
                    if (job instanceof Change change) {
                        encode(change, waiting);
                    } else {
                        flush(waiting);
                        if (job instanceof Compaction compaction) {
                            writeSnapshot(compaction);
                        } else {
                            closeChannel();
                            return;
                        }
                    }
                }
                flush(waiting);
                batch.clear();
                if (!compactionRequested && channel.size() > compactionThresholdBytes) {
                    compactionRequested = true;
                    onThreshold.accept(this);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            log.error("journal writer {} stopped", path, t);
            failAll(batch, waiting, t);
        }
    }

    private void encode(Change change, List<CompletableFuture<Void>> waiting) {
        try {
            writer.writeValue(buffer, change.task());
            buffer.write('\n');
            waiting.add(change.done());
        } catch (IOException e) {
            change.done().completeExceptionally(
                    new StoreException("cannot encode task " + change.task().id() + ": " + e.getMessage(), e));
        }
    }

    private void flush(List<CompletableFuture<Void>> waiting) {
        if (waiting.isEmpty()) {
            return;
        }
        long start = -1;
        try {
            start = channel.position();
            ByteBuffer bytes = ByteBuffer.wrap(buffer.toByteArray());
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(false);
            waiting.forEach(done -> done.complete(null));
        } catch (IOException e) {
            StoreException failure = new StoreException("cannot write journal " + path + ": " + e.getMessage(), e);
            log.error("journal write of {} change(s) failed; none was acknowledged", waiting.size(), e);
            rollBack(start);
            waiting.forEach(done -> done.completeExceptionally(failure));
        } finally {
            buffer.reset();
            waiting.clear();
        }
    }

    private void rollBack(long start) {
        if (start < 0) {
            return;
        }
        try {
            channel.truncate(start);
            channel.position(start);
        } catch (IOException e) {
            log.error("cannot cut the failed write off journal {}; its tail is dropped at the next start", path, e);
        }
    }

    private void writeSnapshot(Compaction compaction) {
        try {
            snapshot.write(compaction.tasks());
            channel.truncate(0);
            channel.position(0);
            channel.force(true);
            compactionRequested = false;
            log.debug("snapshot of {} task(s) written; journal {} restarted", compaction.tasks().size(), path);
            compaction.done().complete(null);
        } catch (IOException | RuntimeException e) {
            log.error("snapshot of {} failed; the journal keeps every change", path, e);
            compaction.done().completeExceptionally(
                    new StoreException("cannot write snapshot: " + e.getMessage(), e));
        }
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("closing journal {} failed", path, e);
        }
    }

    private void failAll(List<Job> batch, List<CompletableFuture<Void>> waiting, Throwable cause) {
        StoreException failure = new StoreException("journal " + path + " stopped: " + cause.getMessage(), cause);
        waiting.forEach(done -> done.completeExceptionally(failure));
        List<Job> rest = new ArrayList<>(batch);
        queue.drainTo(rest);
        for (Job job : rest) {
            if (job instanceof Change change) {
                change.done().completeExceptionally(failure);
            } else if (job instanceof Compaction compaction) {
                compaction.done().completeExceptionally(failure);
            }
        }
        stopped = true;
        closeChannel();
    }
}
