package dev.venom.core.persistence.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.venom.core.engine.ChangeLog;
import dev.venom.core.engine.StoreException;
import dev.venom.core.model.VenomTask;
import dev.venom.core.persistence.FileOpener;
import dev.venom.core.persistence.CommitObserver;
import dev.venom.core.persistence.Fsync;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only journal beside the snapshot: one task JSON per line, the task's full state after a
 * change. A single writer thread drains the queue, writes everything queued in one go and forces it to
 * disk once (group commit), then completes the waiting futures.
 *
 * <p>A snapshot request sits in the queue at exactly its place in the order. The writer then renames the
 * journal to {@code <journal>.old}, starts a new one and lets a background thread write the snapshot and
 * delete {@code .old}, so appends never wait for a snapshot. At start-up a store replays {@code .old}
 * (if a crash interrupted that) before the journal.
 */
public final class Journal implements ChangeLog, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    private static final int MAX_BATCH = 8192;
    private static final long PREALLOCATE_BYTES = 4L << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private sealed interface Job permits Change, Compaction, Stop {
    }

    /** A task's new state, or (when {@code raw} is set) a prepared line such as a recovery marker. */
    private record Change(VenomTask task, byte[] raw, CompletableFuture<Void> done) implements Job {
    }

    /** How a snapshot treats the journal. */
    private enum Mode {
        /** Rename the journal to {@code .old}, continue in a new one, write the snapshot in the background. */
        ROTATE,
        /** Write the snapshot on the writer thread, then empty the journal. */
        IN_PLACE,
        /** Write the snapshot in the background and delete {@code .old}; the journal continues as it is. */
        BEHIND
    }

    private record Compaction(List<VenomTask> tasks, Mode mode, CompletableFuture<Void> done) implements Job {
    }

    private record Stop() implements Job {
    }

    /** The options of a journal. */
    public record Options(Fsync fsync, Duration batchInterval, long compactionThresholdBytes, FileOpener opener,
                          CommitObserver observer) {
    }

    private final Path path;
    private final Path old;
    private final SnapshotFile snapshot;
    private final JsonFactory factory;
    private final Options options;
    private final Consumer<Journal> onThreshold;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * 1024);
    private FileChannel channel;
    /** How far the file has blocks: zeros written ahead of {@code channel.position()}, the journal's end. */
    private long allocatedEnd;
    private volatile boolean stopped;
    /** Why the last write failed, or null while writes succeed. */
    private volatile String lastFailure;
    private CompletableFuture<Void> snapshotInProgress = CompletableFuture.completedFuture(null);
    private volatile boolean compactionRequested;
    /** The journal may grow to the snapshot's size before the next one, so rewriting stays O(1) per change. */
    private volatile long lastSnapshotBytes;
    private boolean unforced;
    /** Changes written since the last force, for the {@link CommitObserver}. */
    private int unforcedChanges;
    /**
     * A write failed since the last snapshot job: a snapshot already queued was captured with that change
     * in memory (its rollback runs when its future fails), so it must not be written.
     */
    private boolean failedSinceSnapshot;
    /** Where the journal ends without a failed, partly written batch; -1 when it is clean. */
    private long cleanLength = -1;
    private long lastForceNanos = System.nanoTime();

    /**
     * Opens the journal at {@code path} for appending and starts its writer thread.
     *
     * @param onThreshold called on the writer thread when the journal has grown past the threshold; it
     *                    should {@linkplain #compact queue a snapshot}
     */
    public Journal(Path path, SnapshotFile snapshot, JsonFactory factory, Options options,
                   Consumer<Journal> onThreshold) {
        this.path = path;
        this.old = oldOf(path);
        this.snapshot = snapshot;
        this.factory = factory;
        this.options = options;
        this.onThreshold = onThreshold;
        try {
            this.lastSnapshotBytes = Files.exists(snapshot.path()) ? Files.size(snapshot.path()) : 0;
            this.channel = openForAppend();
        } catch (IOException e) {
            throw new StoreException("cannot open journal " + path + ": " + e.getMessage(), e);
        }
        this.thread = new Thread(this::run, "venom-journal");
        thread.setDaemon(true);
        thread.start();
    }

    /** Where a journal being folded into a snapshot waits until the snapshot is on disk. */
    public static Path oldOf(Path journal) {
        return journal.resolveSibling(journal.getFileName() + ".old");
    }

    @Override
    public CompletableFuture<Void> append(VenomTask task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        offer(new Change(task, null, done), done);
        return done;
    }

    /**
     * Records that a restart returned every unfinished task to PENDING with {@code logLine}: one line,
     * however many tasks, replayed by {@link JournalReplay}.
     */
    public CompletableFuture<Void> appendRecovery(String logLine) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        offer(new Change(null, JournalMarker.encode(logLine), done), done);
        return done;
    }

    /** Queues {@code job} unless the journal is closed; {@link #close()} holds the same monitor. */
    private synchronized void offer(Job job, CompletableFuture<Void> done) {
        if (stopped) {
            done.completeExceptionally(new StoreException("journal " + path + " is closed"));
        } else {
            queue.add(job);
        }
    }

    /**
     * Queues a snapshot of {@code tasks}, written in the background while appends go to a new journal.
     * Call it while no change can be appended (under the store's lock) so the snapshot is exactly the state
     * at this point of the journal.
     *
     * @return completes when the snapshot is on disk
     */
    public CompletableFuture<Void> compact(List<VenomTask> tasks) {
        return enqueue(new Compaction(tasks, Mode.ROTATE, new CompletableFuture<>()));
    }

    /**
     * Like {@link #compact} but keeps the journal as it is and deletes {@code .old} once the snapshot is on
     * disk: for a start-up that found a snapshot interrupted by a crash, without making the start wait.
     */
    public CompletableFuture<Void> compactBehind(List<VenomTask> tasks) {
        return enqueue(new Compaction(tasks, Mode.BEHIND, new CompletableFuture<>()));
    }

    /**
     * Like {@link #compact} but written on the writer thread before any later change, after which the
     * journal is empty: for start-up repairs and the final snapshot at close.
     */
    public CompletableFuture<Void> compactInPlace(List<VenomTask> tasks) {
        return enqueue(new Compaction(tasks, Mode.IN_PLACE, new CompletableFuture<>()));
    }

    private CompletableFuture<Void> enqueue(Compaction compaction) {
        offer(compaction, compaction.done());
        return compaction.done();
    }

    /** True once the writer thread has ended and the file is closed. */
    public boolean isFinished() {
        return !thread.isAlive();
    }

    /**
     * Stops the writer after everything queued so far is written, then closes the file. Waits up to a
     * minute for a hung disk (see {@link #isFinished()}). Idempotent.
     */
    @Override
    public void close() {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("journal " + path + " cannot be closed from its own writer thread");
        }
        synchronized (this) {
            if (!stopped) {
                stopped = true;
                queue.add(new Stop());
            }
        }
        try {
            thread.join(60_000);
            if (thread.isAlive()) {
                log.error("journal {} did not finish its last writes within 60 s; {} change(s) still queued",
                        path, queue.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Job> batch = new ArrayList<>();
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        try {
            while (true) {
                Job first = nextJob();
                if (first == null) {
                    try {
                        forceIfDue(true);
                    } catch (IOException e) {
                        log.error("timed sync of journal {} failed; retrying: {}", path, e.toString());
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                for (Job job : batch) {
                    if (job instanceof Change change) {
                        encode(change, waiting);
                    } else {
                        flush(waiting);
                        if (job instanceof Compaction compaction) {
                            compact(compaction);
                        } else {
                            stop();
                            failAll(batch, waiting, new StoreException("journal " + path + " is closed"));
                            return;
                        }
                    }
                }
                flush(waiting);
                batch.clear();
                maybeRequestCompaction();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failAll(batch, waiting, new StoreException("journal writer " + path + " was interrupted"));
        } catch (Throwable t) {
            log.error("journal writer {} stopped", path, t);
            failAll(batch, waiting, t);
        }
    }

    private void maybeRequestCompaction() {
        try {
            if (!compactionRequested && snapshotInProgress.isDone()
                    && channel.position() > Math.max(options.compactionThresholdBytes(), lastSnapshotBytes)) {
                compactionRequested = true;
                onThreshold.accept(this);
            }
        } catch (IOException | RuntimeException e) {
            compactionRequested = false;
            log.warn("could not start a snapshot of {}; retrying after the next write: {}", snapshot.path(),
                    e.toString());
        }
    }

    private Job nextJob() throws InterruptedException {
        if (options.fsync() == Fsync.BATCH && unforced) {
            long waitNanos = options.batchInterval().toNanos() - (System.nanoTime() - lastForceNanos);
            return queue.poll(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
        }
        return queue.take();
    }

    private void encode(Change change, List<CompletableFuture<Void>> waiting) {
        try {
            if (change.raw() != null) {
                buffer.write(change.raw());
            } else {
                try (JsonGenerator json = factory.createGenerator(buffer)) {
                    TaskJson.write(json, change.task());
                }
                buffer.write('\n');
            }
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
            repairTail();
            start = channel.position();
            ensureAllocated(start + buffer.size());
            ByteBuffer bytes = ByteBuffer.wrap(buffer.toByteArray());
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            unforced = true;
            unforcedChanges += waiting.size();
            forceIfDue(false);
            lastFailure = null;
            waiting.forEach(done -> done.complete(null));
        } catch (IOException e) {
            StoreException failure = new StoreException("cannot write journal " + path + ": " + e.getMessage(), e);
            lastFailure = failure.getMessage();
            log.error("journal write of {} change(s) failed; none was acknowledged: {}", waiting.size(),
                    e.getMessage());
            rollBack(start);
            failedSinceSnapshot = true;
            waiting.forEach(done -> done.completeExceptionally(failure));
        } finally {
            buffer.reset();
            waiting.clear();
        }
    }

    private void forceIfDue(boolean timerExpired) throws IOException {
        if (!unforced) {
            return;
        }
        boolean due = switch (options.fsync()) {
            case ALWAYS -> true;
            case BATCH -> timerExpired
                    || System.nanoTime() - lastForceNanos >= options.batchInterval().toNanos();
            case OFF -> false;
        };
        if (due) {
            long start = System.nanoTime();
            channel.force(false);
            unforced = false;
            lastForceNanos = System.nanoTime();
            options.observer().committed(unforcedChanges, lastForceNanos - start);
            unforcedChanges = 0;
        }
    }

    private void rollBack(long start) {
        if (start < 0) {
            return;
        }
        cleanLength = start;
        try {
            repairTail();
        } catch (IOException e) {
            log.error("cannot cut the failed write off journal {}; no change is accepted until it can", path, e);
        }
    }

    /** Why the last write failed, if it did: a store whose writes fail is not ready for new tasks. */
    public java.util.Optional<String> lastFailure() {
        return java.util.Optional.ofNullable(lastFailure);
    }

    /** Cuts a failed write off the journal before anything else is appended after it. */
    private void repairTail() throws IOException {
        if (cleanLength >= 0) {
            channel.truncate(cleanLength);
            channel.position(cleanLength);
            allocatedEnd = Math.min(allocatedEnd, cleanLength);
            cleanLength = -1;
        }
    }

    private void compact(Compaction compaction) {
        if (failedSinceSnapshot) {
            failedSinceSnapshot = false;
            compactionRequested = false;
            compaction.done().completeExceptionally(new StoreException(
                    "a journal write failed after this snapshot was taken; a new one is taken later"));
            return;
        }
        try {
            repairTail();
            switch (compaction.mode()) {
                case IN_PLACE -> {
                    snapshotInProgress.join();
                    snapshot.write(compaction.tasks());
                    lastSnapshotBytes = Files.size(snapshot.path());
                    if (Files.deleteIfExists(old)) {
                        SnapshotFile.forceDirectory(path.toAbsolutePath().getParent());
                    }
                    channel.truncate(0);
                    channel.position(0);
                    allocatedEnd = 0;
                    channel.force(true);
                    unforced = false;
                    unforcedChanges = 0;
                    compactionRequested = false;
                    compaction.done().complete(null);
                }
                case BEHIND -> behind(compaction);
                case ROTATE -> {
                    if (!snapshotInProgress.isDone()) {
                        compaction.done().complete(null);
                    } else if (Files.exists(old)) {
                        // an earlier snapshot failed: .old holds changes no snapshot has; never rename over it
                        behind(compaction);
                    } else {
                        rotate();
                        snapshotInProgress = CompletableFuture.runAsync(() -> writeSnapshot(compaction),
                                this::snapshotThread);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.error("snapshot of {} failed; the journal keeps every change", snapshot.path(), e);
            compactionRequested = false;
            compaction.done().completeExceptionally(new StoreException("cannot write snapshot: " + e.getMessage(), e));
        }
    }

    private void behind(Compaction compaction) {
        snapshotInProgress.exceptionally(e -> null).join();
        snapshotInProgress = CompletableFuture.runAsync(() -> writeSnapshot(compaction), this::snapshotThread);
    }

    /**
     * Renames the journal to {@code .old} and continues in a new file. The open descriptor survives the
     * rename, so if the new file cannot be made, {@code .old} is renamed back and writing goes on as before.
     */
    private void rotate() throws IOException {
        channel.truncate(channel.position());
        allocatedEnd = channel.position();
        channel.force(true);
        Path dir = path.toAbsolutePath().getParent();
        Files.move(path, old, StandardCopyOption.ATOMIC_MOVE);
        FileChannel next;
        try {
            next = options.opener().open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            SnapshotFile.forceDirectory(dir);
        } catch (IOException | RuntimeException e) {
            Files.move(old, path, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        FileChannel previous = channel;
        channel = next;
        allocatedEnd = 0;
        unforced = false;
        unforcedChanges = 0;
        try {
            previous.close();
        } catch (IOException e) {
            log.warn("closing the rotated journal {} failed", old, e);
        }
    }

    private void writeSnapshot(Compaction compaction) {
        try {
            snapshot.write(compaction.tasks());
            lastSnapshotBytes = Files.size(snapshot.path());
            Files.deleteIfExists(old);
            SnapshotFile.forceDirectory(path.toAbsolutePath().getParent());
            log.debug("snapshot of {} task(s) written", compaction.tasks().size());
            compaction.done().complete(null);
        } catch (IOException | RuntimeException e) {
            log.error("snapshot of {} failed; {} keeps the changes for the next start", snapshot.path(), old, e);
            compaction.done().completeExceptionally(new StoreException("cannot write snapshot: " + e.getMessage(), e));
        } finally {
            compactionRequested = false;
        }
    }

    private void snapshotThread(Runnable job) {
        Thread t = new Thread(job, "venom-snapshot");
        t.setDaemon(true);
        t.start();
    }

    private FileChannel openForAppend() throws IOException {
        FileChannel opened = options.opener().open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        opened.position(opened.size());
        allocatedEnd = opened.size();
        return opened;
    }

    /**
     * Makes sure the file already has blocks up to {@code end}, writing zeros ahead in steps of
     * {@value #PREALLOCATE_BYTES} bytes: an append inside allocated blocks changes no file metadata, so
     * each group commit's fdatasync has only data to flush (measured here: about 47 us instead of 115 us).
     * Replay treats the zero tail as the end of the journal.
     */
    private void ensureAllocated(long end) throws IOException {
        if (end <= allocatedEnd) {
            return;
        }
        long target = end + PREALLOCATE_BYTES;
        long at = allocatedEnd;
        while (at < target) {
            ByteBuffer chunk = ZEROS.duplicate();
            chunk.limit((int) Math.min(chunk.capacity(), target - at));
            at += channel.write(chunk, at);
        }
        channel.force(true);
        allocatedEnd = target;
    }

    private void stop() {
        snapshotInProgress.exceptionally(e -> null).join();
        try {
            repairTail();
            channel.truncate(channel.position());
            if (options.fsync() != Fsync.OFF) {
                channel.force(true);
            }
            channel.close();
        } catch (IOException e) {
            log.warn("closing journal {} failed", path, e);
        }
    }

    private void failAll(List<Job> batch, List<CompletableFuture<Void>> waiting, Throwable cause) {
        synchronized (this) {
            stopped = true;
        }
        StoreException failure = cause instanceof StoreException se ? se
                : new StoreException("journal " + path + " stopped: " + cause.getMessage(), cause);
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
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("closing journal {} failed", path, e);
        }
    }
}
