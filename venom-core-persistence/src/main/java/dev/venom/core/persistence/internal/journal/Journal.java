package dev.venom.core.persistence.internal.journal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.venom.core.engine.internal.ChangeLog;
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
import java.util.Optional;
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
    /** After the disk had no room to write ahead, writes go without it for this long before trying again. */
    private static final long PREALLOCATE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** What a readiness probe writes ahead of the journal's end at least: room for a few changes. */
    private static final long PROBE_BYTES = 64 * 1024;
    private static final long SNAPSHOT_RETRY_FIRST_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long SNAPSHOT_RETRY_MAX_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private sealed interface Job permits Change, Compaction, Probe, Recheck, Stop {
    }

    /**
     * A task's new state; or new tasks written as one line ({@link JournalBatch}), all or none; or (when
     * {@code raw} is set) a prepared line such as a recovery marker. A {@code leading} line that cannot be
     * written is kept and written before every later change.
     */
    private record Change(VenomTask task, List<VenomTask> batch, byte[] raw, boolean leading,
                          CompletableFuture<Void> done) implements Job {
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

    private record Compaction(List<VenomTask> tasks, Mode mode, long failedWrites, CompletableFuture<Void> done)
            implements Job {
    }

    private record Stop() implements Job {
    }

    /**
     * Wakes the writer to see whether the journal is past the threshold: a snapshot just ended, and the
     * journal may have crossed it while that snapshot was being written, with no write to come.
     */
    private record Recheck() implements Job {
    }

    /** Asks whether the journal can take a write now; completes with why not, or empty. */
    private record Probe(CompletableFuture<Optional<String>> done) implements Job {
    }

    /** The bytes encoded for the next write, read in place rather than copied. */
    private static final class Bytes extends ByteArrayOutputStream {
        Bytes(int size) {
            super(size);
        }

        ByteBuffer view() {
            return ByteBuffer.wrap(buf, 0, count);
        }

        /** Drops what was written after the first {@code size} bytes: a change that could not be encoded. */
        void truncate(int size) {
            count = size;
        }

        /** Empties it, and lets go of the room a batch of large changes made it grow to. */
        void clear() {
            reset();
            if (buf.length > 1 << 20) {
                buf = new byte[64 * 1024];
            }
        }
    }

    /**
     * A snapshot refused because a write failed after it was taken: it may hold that change, which was rolled
     * back. Taking it again gives one without it.
     */
    /** A snapshot was not taken because another was still being written; the caller may ask again later. */
    public static final class SnapshotBusyException extends StoreException {
        SnapshotBusyException() {
            super("a snapshot is being written already");
        }
    }

    public static final class StaleSnapshotException extends StoreException {
        StaleSnapshotException() {
            super("a journal write failed after this snapshot was taken; a new one is taken later");
        }
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
    private final Bytes buffer = new Bytes(64 * 1024);
    private FileChannel channel;
    /** How far the file has blocks: zeros written ahead of {@code channel.position()}, the journal's end. */
    private long allocatedEnd;
    private volatile boolean stopped;
    /** Why the last write failed, or null while writes succeed. */
    private volatile String lastFailure;
    private volatile CompletableFuture<Void> snapshotInProgress = CompletableFuture.completedFuture(null);
    private volatile boolean compactionRequested;
    /** The journal may grow to the snapshot's size before the next one, so rewriting stays O(1) per change. */
    private volatile long lastSnapshotBytes;
    private boolean unforced;
    /** Changes written since the last force, for the {@link CommitObserver}. */
    private int unforcedChanges;
    /**
     * Failed writes so far, counted once their changes are rolled back in memory (when their futures fail).
     * A snapshot captured before such a failure may hold its change: it is written only if the count is
     * the one it saw when it was taken.
     */
    private volatile long failedWrites;
    /** Where the journal ends without a failed, partly written batch; -1 when it is clean. */
    private long cleanLength = -1;
    private long lastForceNanos = System.nanoTime();
    /** A leading line (a restart's recovery) that could not be written yet; nothing is written before it. */
    private byte[] leading;
    /** How many bytes the last failed write needed: a probe checks there is room for at least as much. */
    private long lastFailedBytes;
    private long preallocateAfterNanos = System.nanoTime();
    private boolean preallocationFailing;
    /** Failed snapshots in a row; the next is not requested before {@code snapshotRetryAtNanos}. */
    private volatile int snapshotFailures;
    private volatile long snapshotRetryAtNanos = System.nanoTime();

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
        offer(new Change(task, null, null, false, done), done);
        return done;
    }

    /** {@inheritDoc} One journal line holds them all: a crash while it is written loses all of them or none. */
    @Override
    public CompletableFuture<Void> appendAll(List<VenomTask> tasks) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        offer(new Change(null, List.copyOf(tasks), null, false, done), done);
        return done;
    }

    /**
     * Records that a restart returned every unfinished task to PENDING with {@code logLine}: one line,
     * however many tasks, replayed by {@link JournalReplay}. If it cannot be written (a full disk), the
     * returned future fails but the line is kept: it is written before any later change, which fails
     * until it can be.
     */
    public CompletableFuture<Void> appendRecovery(String logLine) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        offer(new Change(null, null, JournalMarker.encode(logLine), true, done), done);
        return done;
    }

    /**
     * Whether a write can succeed now: empty at once while writes succeed; after a failed write, the
     * writer tries one (room ahead of the journal's end for that write, then the line a restart still owes)
     * and answers why it cannot, if it cannot.
     */
    public CompletableFuture<Optional<String>> probe() {
        CompletableFuture<Optional<String>> done = new CompletableFuture<>();
        synchronized (this) {
            if (stopped) {
                done.complete(Optional.of("journal " + path + " is closed"));
            } else if (!thread.isAlive()) {
                done.complete(Optional.of("journal writer " + path + " has stopped"));
            } else if (lastFailure == null) {
                done.complete(Optional.empty());
            } else {
                queue.add(new Probe(done));
            }
        }
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
        return enqueue(new Compaction(tasks, Mode.ROTATE, failedWrites, new CompletableFuture<>()));
    }

    /**
     * Like {@link #compact} but keeps the journal as it is and deletes {@code .old} once the snapshot is on
     * disk: for a start-up that found a snapshot interrupted by a crash, without making the start wait.
     */
    public CompletableFuture<Void> compactBehind(List<VenomTask> tasks) {
        return enqueue(new Compaction(tasks, Mode.BEHIND, failedWrites, new CompletableFuture<>()));
    }

    /**
     * Like {@link #compact} but written on the writer thread before any later change, after which the
     * journal is empty: for start-up repairs and the final snapshot at close.
     */
    public CompletableFuture<Void> compactInPlace(List<VenomTask> tasks) {
        return enqueue(new Compaction(tasks, Mode.IN_PLACE, failedWrites, new CompletableFuture<>()));
    }

    /** True unless a snapshot is being written, or a failed one is still waiting out its pause. */
    public boolean readyForSnapshot() {
        return snapshotInProgress.isDone() && System.nanoTime() - snapshotRetryAtNanos >= 0;
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
                boolean stop;
                try {
                    stop = first == null ? timedSync() : process(first, batch, waiting);
                } catch (RuntimeException | Error e) {
                    stop = survive(batch, waiting, e); // an OutOfMemoryError must not end the writer for good
                }
                batch.clear();
                if (stop) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failAll(batch, waiting, new StoreException("journal writer " + path + " was interrupted"));
        }
    }

    private boolean timedSync() {
        try {
            forceIfDue(true);
        } catch (IOException e) {
            log.error("timed sync of journal {} failed; retrying: {}", path, e.toString());
        }
        return false;
    }

    /** Writes {@code first} and whatever is queued behind it; true once the journal has stopped. */
    private boolean process(Job first, List<Job> batch, List<CompletableFuture<Void>> waiting) {
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        for (Job job : batch) {
            if (job instanceof Change change) {
                encode(change, waiting);
                continue;
            }
            flush(waiting);
            if (job instanceof Compaction compaction) {
                compact(compaction);
            } else if (job instanceof Probe probe) {
                probe.done().complete(probeWrite());
            } else if (job instanceof Recheck) {
                continue; // the threshold is checked after the batch
            } else {
                stop();
                failAll(batch, waiting, new StoreException("journal " + path + " is closed"));
                return true;
            }
        }
        flush(waiting);
        maybeRequestCompaction();
        return false;
    }

    /**
     * After an unexpected failure in the middle of a batch (an {@link OutOfMemoryError}, a bug): every job of
     * the batch not yet done fails, nothing half-written stays, and the writer takes the next batch.
     */
    private boolean survive(List<Job> batch, List<CompletableFuture<Void>> waiting, Throwable error) {
        StoreException failure = new StoreException("cannot write journal " + path + ": " + error, error);
        log.error("journal writer {}: a batch of {} job(s) failed and was refused; writing goes on", path,
                batch.size(), error);
        lastFailure = failure.getMessage();
        compactionRequested = false;
        buffer.clear();
        waiting.forEach(done -> done.completeExceptionally(failure));
        waiting.clear();
        boolean stop = false;
        for (Job job : batch) {
            stop |= refuse(job, failure);
        }
        failedWrites++;
        if (stop) {
            stop();
            failAll(List.of(), List.of(), new StoreException("journal " + path + " is closed"));
        }
        return stop;
    }

    private void maybeRequestCompaction() {
        try {
            if (!compactionRequested && snapshotInProgress.isDone() && System.nanoTime() - snapshotRetryAtNanos >= 0
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
        int before = buffer.size();
        try {
            if (change.leading()) {
                leading = change.raw();
            } else if (change.raw() != null) {
                buffer.write(change.raw());
            } else if (change.batch() != null) {
                try (JsonGenerator json = factory.createGenerator(buffer)) {
                    JournalBatch.write(json, change.batch());
                }
                buffer.write('\n');
            } else {
                try (JsonGenerator json = factory.createGenerator(buffer)) {
                    TaskJson.write(json, change.task());
                }
                buffer.write('\n');
            }
            waiting.add(change.done());
        } catch (IOException e) {
            buffer.truncate(before);
            change.done().completeExceptionally(new StoreException("cannot encode "
                    + (change.task() != null ? "task " + change.task().id() : "a batch") + ": " + e.getMessage(), e));
            failedWrites++; // after the rollback, as for a failed write: a snapshot taken before it is stale
        }
    }

    private void flush(List<CompletableFuture<Void>> waiting) {
        if (waiting.isEmpty()) {
            return;
        }
        boolean written = false;
        try {
            writeOut(waiting.size());
            written = true;
        } catch (IOException | RuntimeException | Error e) {
            lastFailedBytes = buffer.size() + (leading == null ? 0 : leading.length);
            StoreException failure = writeFailed(waiting.size(), e);
            waiting.forEach(done -> done.completeExceptionally(failure));
            failedWrites++;
        } finally {
            buffer.clear();
        }
        if (written) { // outside the catch: what is on disk is never reported failed
            waiting.forEach(done -> done.complete(null));
        }
        waiting.clear();
    }

    /**
     * Appends the leading line still owed, if any, and the encoded changes, then forces them as the fsync
     * mode says; a write that fails is cut off the journal again.
     */
    private void writeOut(int changes) throws IOException {
        long start = -1;
        try {
            repairTail();
            start = channel.position();
            ensureAllocated(start + buffer.size() + (leading == null ? 0 : leading.length));
            if (leading != null) {
                writeFully(ByteBuffer.wrap(leading));
            }
            writeFully(buffer.view());
            allocatedEnd = Math.max(allocatedEnd, channel.position());
            unforced = true;
            unforcedChanges += changes;
            forceIfDue(false);
            leading = null;
            lastFailure = null;
        } catch (IOException | RuntimeException | Error e) {
            rollBack(start);
            throw e;
        }
    }

    private void writeFully(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** Logs the first failure of a run of them; later ones until a write succeeds only at debug level. */
    private StoreException writeFailed(int changes, Throwable e) {
        String why = e instanceof IOException ? e.getMessage() : e.toString();
        StoreException failure = new StoreException("cannot write journal " + path + ": " + why, e);
        if (lastFailure == null) {
            log.error("journal write of {} change(s) failed; none was acknowledged, and writes are refused until "
                    + "one succeeds: {}", changes, why);
        } else {
            log.debug("journal write of {} change(s) failed again: {}", changes, why);
        }
        lastFailure = failure.getMessage();
        return failure;
    }

    /**
     * What a readiness probe asks after a failed write: room ahead of the journal's end for as much as that
     * write needed (the owed leading line included; at least {@value #PROBE_BYTES} bytes, at most
     * {@value #PREALLOCATE_BYTES}), then the owed leading line written into it. The failure stands until both
     * succeed, so no concurrent check reads ready in between.
     */
    private Optional<String> probeWrite() {
        if (lastFailure == null) {
            return Optional.empty();
        }
        try {
            repairTail();
            preallocate(channel.position() + Math.max(PROBE_BYTES, Math.min(lastFailedBytes, PREALLOCATE_BYTES)));
            if (leading != null) {
                writeOut(0);
            }
            lastFailure = null;
            log.info("journal {} can be written again", path);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.ofNullable(lastFailure);
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
        if (compaction.failedWrites() != failedWrites) {
            compactionRequested = false;
            compaction.done().completeExceptionally(new StaleSnapshotException());
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
                    snapshotWritten();
                    compaction.done().complete(null);
                }
                case BEHIND -> behind(compaction);
                case ROTATE -> {
                    if (!snapshotInProgress.isDone()) {
                        compaction.done().completeExceptionally(new SnapshotBusyException());
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
            snapshotFailed(e, "the journal keeps every change");
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
        } catch (IOException | RuntimeException | Error e) { // an Error too: the writer outlives it
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
            snapshotWritten();
            compaction.done().complete(null);
        } catch (IOException | RuntimeException e) {
            snapshotFailed(e, old + " keeps the changes for the next start");
            compaction.done().completeExceptionally(new StoreException("cannot write snapshot: " + e.getMessage(), e));
        } finally {
            compactionRequested = false;
            synchronized (this) {
                if (!stopped) {
                    queue.add(new Recheck());
                }
            }
        }
    }

    /**
     * A failed snapshot is tried again after a pause that doubles from 1 s to a minute, and logged once per
     * run of failures: a full disk must not fill the log as well.
     */
    private void snapshotFailed(Exception e, String consequence) {
        int failures = ++snapshotFailures;
        long pause = Math.min(SNAPSHOT_RETRY_MAX_NANOS, SNAPSHOT_RETRY_FIRST_NANOS << Math.min(failures - 1, 6));
        snapshotRetryAtNanos = System.nanoTime() + pause;
        String why = e instanceof IOException ? e.toString() : e.getMessage();
        if (failures == 1) {
            log.error("snapshot of {} failed ({}); {}; trying again from {} s on", snapshot.path(), why, consequence,
                    TimeUnit.NANOSECONDS.toSeconds(pause), e instanceof IOException ? null : e);
        } else {
            log.debug("snapshot of {} failed again ({} in a row): {}", snapshot.path(), failures, why);
        }
    }

    private void snapshotWritten() {
        int failures = snapshotFailures;
        if (failures > 0) {
            snapshotFailures = 0;
            log.info("snapshot of {} written again after {} failed attempt(s)", snapshot.path(), failures);
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
     * Replay treats the zero tail as the end of the journal. A disk without that much room left gets the
     * data alone (whether it fits is the write's own outcome), and the step is tried again a second later.
     */
    private void ensureAllocated(long end) throws IOException {
        if (end <= allocatedEnd || System.nanoTime() - preallocateAfterNanos < 0) {
            return;
        }
        try {
            preallocate(end + PREALLOCATE_BYTES);
            if (preallocationFailing) {
                preallocationFailing = false;
                log.info("journal {} writes ahead again", path);
            }
        } catch (IOException e) {
            preallocateAfterNanos = System.nanoTime() + PREALLOCATE_RETRY_NANOS;
            if (!preallocationFailing) {
                preallocationFailing = true;
                log.warn("journal {}: no room to write {} MiB ahead ({}); appending without it", path,
                        PREALLOCATE_BYTES >> 20, e.getMessage());
            }
        }
    }

    /** Writes zeros from the allocated end to {@code target} and forces them; cuts them off if that fails. */
    private void preallocate(long target) throws IOException {
        long from = Math.max(allocatedEnd, channel.position());
        long at = from;
        try {
            while (at < target) {
                ByteBuffer chunk = ZEROS.duplicate();
                chunk.limit((int) Math.min(chunk.capacity(), target - at));
                at += channel.write(chunk, at);
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            channel.truncate(from);
            throw e;
        }
        allocatedEnd = Math.max(allocatedEnd, target);
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

    /** Ends {@code job} with {@code failure} unless it has ended; true if it is a request to stop. */
    private static boolean refuse(Job job, StoreException failure) {
        if (job instanceof Change change) {
            change.done().completeExceptionally(failure);
        } else if (job instanceof Compaction compaction) {
            compaction.done().completeExceptionally(failure);
        } else if (job instanceof Probe probe) {
            probe.done().complete(Optional.of(failure.getMessage()));
        } else if (job instanceof Recheck) {
            return false;
        } else {
            return true;
        }
        return false;
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
            refuse(job, failure);
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("closing journal {} failed", path, e);
        }
    }
}
