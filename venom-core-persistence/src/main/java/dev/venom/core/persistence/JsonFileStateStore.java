package dev.venom.core.persistence;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.QueueCounts;
import dev.venom.core.engine.QueueState;
import dev.venom.core.engine.internal.TaskTable;
import dev.venom.core.engine.internal.schedule.ScheduleTable;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.Schedule;
import dev.venom.core.engine.ScheduleExistsException;
import dev.venom.core.engine.StoreSignals;
import dev.venom.core.engine.TaskChange;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskPage;
import dev.venom.core.engine.TaskQuery;
import dev.venom.core.engine.VenomException;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.engine.internal.ChangeLog;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.Timestamps;
import dev.venom.core.model.VenomTask;
import dev.venom.core.persistence.internal.journal.Journal;
import dev.venom.core.persistence.internal.journal.LiveSnapshot;
import dev.venom.core.persistence.internal.journal.PausedQueuesFile;
import dev.venom.core.persistence.internal.journal.ScheduleFile;
import dev.venom.core.persistence.internal.journal.SnapshotFile;
import dev.venom.core.persistence.internal.journal.StateFileLock;
import dev.venom.core.persistence.internal.journal.StateLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default {@link StateStore}: tasks in memory, every change appended to a journal beside the
 * snapshot file and forced to disk with group commit before its future completes. The snapshot keeps the
 * original service's {@code {"tasks": [...]}} format; it is rewritten atomically when the journal passes
 * a size threshold and on {@link #close()}.
 *
 * <p>Opening loads the snapshot, replays the journal (a torn last line is dropped) and returns every task a
 * crash or stop left PENDING or PROCESSING to PENDING with the log line {@code Recovered after restart}.
 * An unreadable snapshot or journal is renamed aside ({@code *.corrupt-<time>}), never overwritten. One
 * process per state file: a second one fails to open. Thread-safe.
 */
public final class JsonFileStateStore implements StateStore, StoreSignals {

    private static final Logger log = LoggerFactory.getLogger(JsonFileStateStore.class);

    /** The original service's state file, relative to the working directory. */
    public static final Path DEFAULT_PATH = Path.of("data", "memory", "state_dump.json");

    private final Path path;
    private final Clock clock;
    private final TaskLog language;
    private final StateFileLock lock;
    private final TaskTable memory;
    private final Journal journal;
    private final LiveSnapshot live;
    private final PausedQueuesFile pausedQueues;
    private final ScheduleFile scheduleFile;
    private final Duration retention;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final int recovered;
    private volatile boolean savedOnClose;

    private JsonFileStateStore(Builder b, StateFileLock lock) throws IOException {
        this.path = b.path;
        this.clock = b.clock;
        this.language = b.language;
        this.lock = lock;
        this.retention = b.retention;
        SnapshotFile snapshot = new SnapshotFile(path, b.mapper, b.opener);
        if (Files.deleteIfExists(snapshot.temp())) {
            log.info("removed {}, left by a snapshot that a crash interrupted", snapshot.temp());
        }
        Path journalPath = path.resolveSibling(path.getFileName() + ".journal");
        StateLoader.Loaded loaded = new StateLoader(path, journalPath, snapshot, b.mapper.readerFor(VenomTask.class),
                clock, language, new JournalChanges()).load();
        this.memory = loaded.memory();
        this.pausedQueues = new PausedQueuesFile(path, b.mapper, clock, b.opener);
        for (String queue : pausedQueues.read()) {
            memory.pause(queue, true);
        }
        this.scheduleFile = new ScheduleFile(path, b.mapper, clock, b.opener);
        memory.restoreSchedules(scheduleFile.read());
        this.journal = new Journal(journalPath, snapshot, b.mapper.getFactory(),
                new Journal.Options(b.fsync, b.batchInterval, b.compactionThresholdBytes, b.opener, b.observer),
                this::compactFromWriter);
        this.live = b.liveSnapshot.isZero() ? null : new LiveSnapshot(journal, this::liveSnapshot, memory::size,
                b.liveSnapshot);
        try {
            this.recovered = recover();
            int settled = memory.settleLoaded();
            if (settled > 0) {
                log.warn("{} task(s) waited on tasks that had ended; released or cancelled now", settled);
            }
            if (loaded.repair() == StateLoader.Repair.NOW) {
                repairNow();
            } else if (loaded.repair() == StateLoader.Repair.BEHIND) {
                memory.snapshot(retentionCutoff(), journal::compactBehind);
            }
        } catch (RuntimeException e) {
            if (live != null) {
                live.close();
            }
            journal.close();
            Throwable cause = VenomException.unwrap(e);
            throw cause instanceof StoreException se ? se
                    : new StoreException("cannot recover state " + path + ": " + cause.getMessage(), cause);
        }
        log.debug("state {}: {} task(s) loaded, {} recovered after restart", path, memory.size(), recovered);
    }

    /** How many tasks the store holds. */
    public int size() {
        return memory.size();
    }

    /** A builder for a store whose snapshot is {@code path} (its journal and lock file sit beside it). */
    public static Builder builder(Path path) {
        return new Builder(path);
    }

    /** The snapshot file. */
    public Path path() {
        return path;
    }

    /** How many tasks were returned to PENDING when the store opened. */
    public int recoveredAtOpen() {
        return recovered;
    }

    @Override
    public CompletableFuture<VenomTask> insert(VenomTask task) {
        return memory.insert(task);
    }

    /** {@inheritDoc} One journal entry, the started task's; a restart before it ends requeues it. */
    @Override
    public CompletableFuture<Optional<Claim>> insertClaimed(VenomTask task, String owner, Duration lease) {
        return memory.insertClaimed(task, owner, lease);
    }

    @Override
    public Optional<VenomTask> find(UUID id) {
        return memory.find(id);
    }

    @Override
    public TaskPage list(TaskQuery query) {
        return memory.list(query);
    }

    /**
     * Why the journal cannot be written, after a write failed (a full disk, say): the journal's writer then
     * tries a write of its own (up to 2 s), so a store that can write again is ready before the next task
     * proves it, and one that cannot says so although no task tried.
     */
    @Override
    public Optional<String> problem() {
        try {
            return journal.probe().get(2, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return Optional.of("the journal writer of " + path + " did not answer within 2 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while probing the journal");
        } catch (ExecutionException e) {
            return Optional.of("probing the journal failed: " + e.getCause());
        }
    }

    @Override
    public long count(TaskStatus status) {
        return memory.count(status);
    }

    @Override
    public List<Claim> claim(ClaimRequest request) {
        return memory.claim(request);
    }

    @Override
    public CompletableFuture<Optional<VenomTask>> update(VenomTask expected, VenomTask next) {
        return memory.update(expected, next);
    }

    @Override
    public List<Claim> claimsOf(String owner) {
        return memory.claimsOf(owner);
    }

    @Override
    public CompletableFuture<List<VenomTask>> insertAll(List<VenomTask> tasks) {
        return memory.insertAll(tasks);
    }

    @Override
    public Optional<Claim> claimOf(UUID id) {
        return memory.claimOf(id);
    }

    @Override
    public List<VenomTask> dependentsOf(UUID id, int limit) {
        return memory.dependentsOf(id, limit);
    }

    @Override
    public void onDependentsChanged(Consumer<List<TaskChange>> listener) {
        memory.onDependentsChanged(listener);
    }

    @Override
    public Optional<Claim> renew(Claim claim, Duration lease) {
        return memory.renew(claim, lease);
    }

    @Override
    public int rescueExpired() {
        return memory.rescueExpired();
    }

    /** Writes a final snapshot, closes the journal and releases the file lock. Idempotent. */
    @Override
    public List<QueueState> queues() {
        return memory.queues();
    }

    /** {@inheritDoc} Written to the paused-queues file beside the state file before it takes effect. */
    @Override
    public synchronized CompletableFuture<Void> pause(String queue, boolean paused) {
        Set<String> now = new TreeSet<>();
        for (QueueState state : memory.queues()) {
            if (state.paused()) {
                now.add(state.name());
            }
        }
        if (queue.equals(QueueState.ALL) && !paused) {
            now.clear();
        } else if (paused) {
            now.add(queue.equals(QueueState.ALL) ? queue : TaskRequest.checkQueue(queue));
        } else {
            now.remove(queue);
        }
        try {
            pausedQueues.write(now);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new StoreException("cannot record the pause of queue " + queue
                    + " in " + pausedQueues.path() + ": " + e.getMessage(), e));
        }
        return memory.pause(queue, paused);
    }

    @Override
    public List<Schedule> schedules() {
        return memory.schedules();
    }

    /** {@inheritDoc} Written to the schedules file beside the state file before it takes effect. */
    @Override
    public synchronized CompletableFuture<Schedule> insertSchedule(Schedule schedule) {
        ScheduleTable after = schedulesNow();
        Schedule stored;
        try {
            stored = after.insert(schedule);
        } catch (ScheduleExistsException e) {
            return CompletableFuture.failedFuture(e);
        }
        return recordSchedules(after, "creation of schedule " + schedule.name()).thenApply(done -> stored);
    }

    /** {@inheritDoc} Written to the schedules file beside the state file before it takes effect. */
    @Override
    public synchronized CompletableFuture<Optional<Schedule>> updateSchedule(Schedule expected, Schedule next) {
        ScheduleTable after = schedulesNow();
        Optional<Schedule> stored = after.update(expected, next);
        if (stored.isEmpty()) {
            return CompletableFuture.completedFuture(stored);
        }
        return recordSchedules(after, "change of schedule " + expected.name()).thenApply(done -> stored);
    }

    /** {@inheritDoc} Written to the schedules file beside the state file before it takes effect. */
    @Override
    public synchronized CompletableFuture<Boolean> deleteSchedule(String name) {
        ScheduleTable after = schedulesNow();
        if (!after.delete(name)) {
            return CompletableFuture.completedFuture(false);
        }
        return recordSchedules(after, "deletion of schedule " + name).thenApply(done -> true);
    }

    /** A copy of the schedules as they are, for a change to be made on, recorded, then put in place. */
    private ScheduleTable schedulesNow() {
        ScheduleTable copy = new ScheduleTable();
        copy.restore(memory.schedules());
        return copy;
    }

    /** Writes {@code after} to the schedules file, then makes it the schedules in memory. */
    private CompletableFuture<Void> recordSchedules(ScheduleTable after, String what) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new StoreException("the " + what + " came after the store closed"));
        }
        try {
            scheduleFile.write(after.all());
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new StoreException("cannot record the " + what + " in "
                    + scheduleFile.path() + ": " + e.getMessage(), e));
        }
        memory.restoreSchedules(after.all());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Map<String, QueueCounts> queueCounts() {
        return memory.queueCounts();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (live != null) {
            live.close();
        }
        CompletableFuture<Void> snapshot = compactNow();
        if (refusedAsStale(snapshot)) {
            snapshot = compactNow(); // taken while a failed write was still being rolled back: take it again
        }
        journal.close();
        savedOnClose = snapshot.isDone() && !snapshot.isCompletedExceptionally();
        if (!savedOnClose) {
            log.error("final snapshot of {} failed; the journal keeps every change for the next start", path);
        }
        if (!journal.isFinished()) {
            log.error("journal of {} still writing after close; keeping the file lock until this process ends",
                    path);
            return;
        }
        try {
            lock.close();
        } catch (IOException e) {
            log.warn("releasing the lock of {} failed", path, e);
        }
    }

    private static boolean refusedAsStale(CompletableFuture<Void> snapshot) {
        try {
            snapshot.get(60, TimeUnit.SECONDS);
            return false;
        } catch (ExecutionException e) {
            return e.getCause() instanceof Journal.StaleSnapshotException;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (TimeoutException e) {
            return false;
        }
    }

    /**
     * True once {@link #close()} has written the final snapshot; false before, and after a close whose
     * snapshot failed (the journal then keeps every change, so nothing is lost, but the snapshot is stale).
     */
    public boolean savedOnClose() {
        return savedOnClose;
    }

    /**
     * Writes the clean snapshot a start-up repair asks for. On a full disk the store opens anyway: the journal
     * still holds every readable change, so the next start sees the same state, and the snapshot is written
     * later.
     */
    private void repairNow() {
        try {
            compactNow().join();
        } catch (CompletionException e) {
            log.error("the repaired state of {} could not be written yet ({}); the journal keeps every change",
                    path, VenomException.unwrap(e).getMessage());
        }
    }

    /** Snapshot now, on the journal's writer thread; the journal is empty afterwards. */
    private CompletableFuture<Void> compactNow() {
        return snapshot(journal::compactInPlace);
    }

    private void compactFromWriter(Journal full) {
        snapshot(full::compact);
    }

    /**
     * Drops what retention drops and hands the state now, taken while no change can happen, to {@code write}
     * (one of the journal's snapshot modes).
     *
     * @return completes when the snapshot is on disk
     */
    private CompletableFuture<Void> snapshot(Function<List<VenomTask>, CompletableFuture<Void>> write) {
        List<CompletableFuture<Void>> done = new ArrayList<>(1);
        logRetention(memory.snapshot(retentionCutoff(), tasks -> done.add(write.apply(tasks))));
        return done.get(0);
    }

    private Instant retentionCutoff() {
        return retention == null ? null : clock.instant().minus(retention);
    }

    private void logRetention(int dropped) {
        if (dropped > 0) {
            log.info("retention: {} finished task(s) older than {} dropped", dropped, retention);
        }
    }

    /**
     * Returns every task a stop or crash left unfinished to PENDING with the recovery log line, recorded
     * as one journal line however many tasks there are.
     */
    private int recover() {
        Instant now = Timestamps.truncate(clock.instant());
        String line = language.recoveredAfterRestart(now);
        int count = memory.requeueUnfinished(line, now);
        if (count > 0) {
            try {
                journal.appendRecovery(line).join();
            } catch (CompletionException e) {
                log.error("the recovery of {} task(s) could not be written to the journal ({}); reads are served, "
                        + "writes are refused until it can be", count, VenomException.unwrap(e).getMessage());
            }
        }
        return count;
    }

    /** The table's changes, each to the journal (a batch as one line), telling the live snapshot of each. */
    private final class JournalChanges implements ChangeLog {
        @Override
        public CompletableFuture<Void> append(VenomTask task) {
            if (live != null) {
                live.changed();
            }
            return journal.append(task);
        }

        @Override
        public CompletableFuture<Void> appendAll(List<VenomTask> tasks) {
            if (live != null) {
                live.changed();
            }
            return journal.appendAll(tasks);
        }
    }

    /** A snapshot of the state now, written in the background while appends go to a new journal. */
    private CompletableFuture<Void> liveSnapshot() {
        return snapshot(journal::compact);
    }

    /** Options of a {@link JsonFileStateStore}. */
    public static final class Builder {
        private final Path path;
        private Clock clock = Clock.systemUTC();
        private TaskLog language = TaskLog.EN;
        private ObjectMapper mapper = JsonMapper.builder(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                .build()).addModule(new JavaTimeModule()).build();
        private long compactionThresholdBytes = 64L * 1024 * 1024;
        private Fsync fsync = Fsync.ALWAYS;
        private Duration batchInterval = Duration.ofMillis(10);
        private Duration retention;
        private Duration liveSnapshot = Duration.ZERO;
        private FileOpener opener = FileOpener.DEFAULT;
        private CommitObserver observer = CommitObserver.NONE;

        private Builder(Path path) {
            this.path = Objects.requireNonNull(path, "path").toAbsolutePath().normalize();
        }

        /** The clock for log lines and quarantine names; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The language of the lines the store writes itself (claims, the recovery after a restart, expired
         * claims); default {@link TaskLog#EN}. Lines already written are kept as they are.
         */
        public Builder language(TaskLog language) {
            this.language = Objects.requireNonNull(language, "language");
            return this;
        }

        /**
         * The mapper that reads task JSON (the model maps its own times). Default: a fresh one that reads
         * strings of any length; a mapper given here must read back the longest content or result stored
         * (Jackson's own default stops at 20,000,000 characters, and an unreadable snapshot is moved aside).
         */
        public Builder mapper(ObjectMapper mapper) {
            this.mapper = Objects.requireNonNull(mapper, "mapper");
            return this;
        }

        /** The journal size past which the snapshot is rewritten; default 64 MiB. */
        public Builder compactionThresholdBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("compactionThresholdBytes must be > 0, was " + bytes);
            }
            this.compactionThresholdBytes = bytes;
            return this;
        }

        /** When changes are forced to disk; default {@link Fsync#ALWAYS}. */
        public Builder fsync(Fsync fsync) {
            this.fsync = Objects.requireNonNull(fsync, "fsync");
            return this;
        }

        /** With {@link Fsync#BATCH}, the longest time between forces; default 10 ms. */
        public Builder batchInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isZero() || interval.isNegative()) {
                throw new IllegalArgumentException("batchInterval must be > 0, was " + interval);
            }
            this.batchInterval = interval;
            return this;
        }

        /**
         * Drop finished tasks older than {@code retention} (by the time they ended) when the snapshot is
         * rewritten; {@code null}, the default, keeps everything.
         */
        public Builder retention(Duration retention) {
            if (retention != null && (retention.isZero() || retention.isNegative())) {
                throw new IllegalArgumentException("retention must be > 0, was " + retention);
            }
            this.retention = retention;
            return this;
        }

        /** Hears each fsync of the journal: the changes it made durable and how long it took. */
        public Builder commitObserver(CommitObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return this;
        }

        /**
         * Keeps the snapshot file current while the store runs: after a change, a snapshot is written in the
         * background within about {@code interval} (a store of more than 10,000 tasks is paced so that this
         * costs at most about a twentieth of one core). {@code Duration.ZERO}, the default, writes the snapshot
         * only when the journal rolls over and at a clean stop.
         */
        public Builder liveSnapshot(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("liveSnapshot must be >= 0, was " + interval);
            }
            this.liveSnapshot = interval;
            return this;
        }

        /** How files are opened for writing; for tests that simulate a failing disk. */
        public Builder fileOpener(FileOpener opener) {
            this.opener = Objects.requireNonNull(opener, "opener");
            return this;
        }

        /**
         * Locks, loads and recovers the state.
         *
         * @throws StoreException if the directory cannot be used or another process holds the state file
         */
        public JsonFileStateStore open() {
            StateFileLock lock = StateFileLock.acquire(path);
            try {
                return new JsonFileStateStore(this, lock);
            } catch (IOException e) {
                closeQuietly(lock);
                throw new StoreException("cannot open state file " + path + ": " + e, e);
            } catch (RuntimeException e) {
                closeQuietly(lock);
                throw e;
            }
        }

        private static void closeQuietly(StateFileLock lock) {
            try {
                lock.close();
            } catch (IOException ignored) {
                // the open failure is what matters
            }
        }
    }
}
