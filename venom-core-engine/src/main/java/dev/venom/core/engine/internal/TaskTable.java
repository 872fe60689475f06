package dev.venom.core.engine.internal;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.QueueCounts;
import dev.venom.core.engine.QueueState;
import dev.venom.core.engine.Schedule;
import dev.venom.core.engine.ScheduleExistsException;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.StoreSignals;
import dev.venom.core.engine.TaskChange;
import dev.venom.core.engine.TaskCursor;
import dev.venom.core.engine.TaskPage;
import dev.venom.core.engine.TaskQuery;
import dev.venom.core.engine.UnknownDependencyException;
import dev.venom.core.engine.VenomException;
import dev.venom.core.engine.internal.schedule.ScheduleTable;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tasks of a store held in memory, in creation order: the whole of {@code InMemoryStateStore}, and,
 * given a {@link ChangeLog}, the index of the embedded JSON journal, which also restores, requeues and
 * snapshots through it. Thread-safe: every operation holds one lock for a few map operations.
 *
 * <p>Tasks are kept packed ({@link CompactTask}), about a third of their object size, so a million of them
 * fit in a few hundred megabytes. Cursors are a task's position in creation order.
 *
 * <p>A task that waits on dependencies is indexed by each of them and never claimable; the write that ends a
 * dependency changes its dependents too (released, or cancelled down the chain), recorded as one change.
 */
public final class TaskTable implements StateStore, StoreSignals {

    private static final Logger log = LoggerFactory.getLogger(TaskTable.class);

    private final Clock clock;
    private final ChangeLog changeLog;
    private final Object lock = new Object();
    private final IdIndex<Entry> byId = new IdIndex<>();
    private final SeqIndex bySeq = new SeqIndex();
    /** Every queue a task was stored in or an operator paused, by name. */
    private final Map<String, QueueIndex> queueIndexes = new HashMap<>();
    /** True while every queue is paused ({@link QueueState#ALL}). */
    private boolean allPaused;
    private final Map<UUID, Claim> claims = new HashMap<>();
    /**
     * Where a task goes back to if the version built on one whose write failed fails too: the failed one's
     * predecessor, not the failed version. Holds a task only after a failed write beneath one on its way.
     */
    private final Map<UUID, Rollback> failedBeneath = new ConcurrentHashMap<>();
    private final TaskLog language;
    private final Map<String, Entry> byKey = new HashMap<>();
    private final int[] counts = new int[TaskStatus.values().length];
    /** The PENDING tasks that wait on a task, by that task's id. */
    private final Map<UUID, List<Entry>> dependents = new HashMap<>();
    private final DependentsListeners dependentsListeners = new DependentsListeners();
    private final ScheduleTable schedules = new ScheduleTable();
    private long nextSeq;

    /**
     * One task, packed ({@link CompactTask}): a task waiting in a backlog costs as little as a finished one,
     * and the collector has one array to trace instead of a graph. An entry whose insert is not yet durable
     * is indexed (so snapshots include it) but not {@code visible}: not found, listed or claimed.
     */
    private static final class Entry {
        final long seq;
        final QueueIndex queue;
        private byte[] state;
        TaskStatus status;
        long version;
        int priority;
        Instant runAt;
        String idempotencyKey;
        boolean visible = true;
        /** What it waits on while it is indexed as a dependent; null while it waits on nothing. */
        List<UUID> waitingOn;
        /** Released by a dependency's end not yet durable: not claimable until it is. */
        boolean held;
        /** Its end is on its way to disk: a new dependent waits on it until it is there. */
        boolean ending;
        /** While the insert is not yet durable: completes with the stored task once it is. */
        CompletableFuture<VenomTask> inserting;

        Entry(long seq, QueueIndex queue, VenomTask task) {
            this.seq = seq;
            this.queue = queue;
            set(task);
        }

        void set(VenomTask task) {
            status = task.status();
            version = task.version();
            priority = task.priority();
            runAt = task.runAt();
            idempotencyKey = task.idempotencyKey();
            state = CompactTask.encode(task);
        }

        VenomTask task() {
            return CompactTask.decode(state);
        }
    }

    /** Entries by sequence number: an array indexed from {@code base}; removed or unpublished slots are null. */
    private static final class SeqIndex {
        private Entry[] slots = new Entry[1024];
        private long base;
        private int end;
        private int size;

        void put(Entry entry) {
            int i = (int) (entry.seq - base);
            if (i >= slots.length) {
                slots = Arrays.copyOf(slots, Math.max(i + 1, slots.length * 2));
            }
            if (slots[i] == null) {
                size++;
            }
            slots[i] = entry;
            end = Math.max(end, i + 1);
        }

        void remove(Entry entry) {
            int i = (int) (entry.seq - base);
            if (i >= 0 && i < end && slots[i] == entry) {
                slots[i] = null;
                size--;
            }
        }

        /** Drops leading empty slots so long-removed tasks cost nothing. */
        void trim() {
            int first = 0;
            while (first < end && slots[first] == null) {
                first++;
            }
            if (first > 0) {
                slots = Arrays.copyOfRange(slots, first, Math.max(first + 1024, slots.length));
                base += first;
                end -= first;
            }
        }

        int indexAfter(long seq) {
            if (seq < base) {
                return 0;
            }
            return seq - base >= end ? end : (int) (seq - base + 1);
        }

        int end() {
            return end;
        }

        Entry at(int i) {
            return slots[i];
        }

        int size() {
            return size;
        }
    }

    /** One queue's PENDING tasks in claim order, its counts, and whether it is paused. */
    private static final class QueueIndex {
        final String name;
        /** Due PENDING tasks: highest priority first, then oldest. */
        final ReadyQueue<Entry> ready = new ReadyQueue<>();
        /** PENDING tasks with a {@code run_at}, by due time; moved to {@link #ready} once due. */
        final NavigableMap<Due, Entry> delayed = new TreeMap<>();
        final int[] counts = new int[TaskStatus.values().length];
        boolean paused;

        QueueIndex(String name) {
            this.name = name;
        }

        void promoteDue(Instant now) {
            while (!delayed.isEmpty() && !delayed.firstKey().runAt().isAfter(now)) {
                Entry due = delayed.pollFirstEntry().getValue();
                ready.put(due.priority, due.seq, due);
            }
        }

        /** The oldest creation among the due tasks: the lowest sequence number at each priority. */
        Optional<Instant> oldestDue(Instant now) {
            promoteDue(now);
            Instant oldest = null;
            for (int priority = 0; priority <= TaskRequest.MAX_PRIORITY; priority++) {
                Entry first = ready.first(priority);
                if (first == null) {
                    continue;
                }
                VenomTask task = first.task();
                Instant due = task.runAt() != null ? task.runAt() : task.createdAt();
                if (oldest == null || due.isBefore(oldest)) {
                    oldest = due;
                }
            }
            return Optional.ofNullable(oldest);
        }
    }

    /** A delayed task's place: due time, then creation order. */
    private record Due(Instant runAt, long seq) implements Comparable<Due> {
        @Override
        public int compareTo(Due other) {
            int byTime = runAt.compareTo(other.runAt);
            return byTime != 0 ? byTime : Long.compare(seq, other.seq);
        }
    }

    /** A volatile store on the system clock. */
    public TaskTable() {
        this(Clock.systemUTC(), ChangeLog.NONE);
    }

    /** A store that records every change in {@code changeLog} and reads time from {@code clock}. */
    public TaskTable(Clock clock, ChangeLog changeLog) {
        this(clock, changeLog, TaskLog.EN);
    }

    /** A table whose claims, arrivals and rescues write their lines in {@code language}. */
    public TaskTable(Clock clock, ChangeLog changeLog, TaskLog language) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.changeLog = Objects.requireNonNull(changeLog, "changeLog");
        this.language = Objects.requireNonNull(language, "language");
    }

    /**
     * Puts {@code task} as it was stored before, without recording it: for a durable store that is loading
     * its state. A task already present is replaced in place (a later journal entry wins).
     */
    public void restore(VenomTask task) {
        synchronized (lock) {
            Entry entry = byId.get(task.id());
            if (entry == null) {
                entry = new Entry(nextSeq++, queueIndex(task.queue()), task);
                byId.putIfAbsent(task.id(), entry);
                bySeq.put(entry);
                count(entry, task.status(), 1);
                if (task.idempotencyKey() != null) {
                    byKey.put(task.idempotencyKey(), entry);
                }
            }
            put(entry, task.withVersion(Math.max(task.version(), entry.version)));
            claims.remove(task.id());
        }
    }

    /**
     * Settles every task that waits on a task that has ended, as loading may find them (a dependency whose
     * end was recorded while its dependent's insert was not yet): released or cancelled, and recorded. For a
     * durable store once it has loaded.
     *
     * @return how many were settled
     */
    public int settleLoaded() {
        synchronized (lock) {
            int settled = 0;
            for (int i = 0; i < bySeq.end(); i++) {
                Entry entry = bySeq.at(i);
                if (entry != null && entry.waitingOn != null) {
                    long version = entry.version;
                    reconcileLater(entry);
                    settled += entry.version != version ? 1 : 0;
                }
            }
            return settled;
        }
    }

    /**
     * Returns every unfinished task to PENDING with {@code logLine}, without recording the changes: for a
     * durable store that records the restart as one event of its own and replays it the same way.
     *
     * @return how many tasks were returned to PENDING
     */
    public int requeueUnfinished(String logLine, Instant at) {
        synchronized (lock) {
            int count = 0;
            for (int i = 0; i < bySeq.end(); i++) {
                Entry entry = bySeq.at(i);
                if (entry != null && !entry.status.isTerminal()) {
                    VenomTask current = entry.task();
                    if (current.status() == TaskStatus.PENDING && !current.logs().isEmpty()
                            && current.logs().get(current.logs().size() - 1).equals(logLine)) {
                        continue; // this restart's line is already there: replayed over a later snapshot
                    }
                    put(entry, current.requeue(logLine, at).withVersion(current.version() + 1));
                    claims.remove(current.id());
                    count++;
                }
            }
            return count;
        }
    }

    /**
     * Removes the finished tasks that ended before {@code endedBefore} (none if it is null), then runs
     * {@code action} with every remaining task in creation order, all while no change can happen: a durable
     * store takes a snapshot that matches a point in its change log exactly, and applies retention in the
     * same step. The list handed over is an immutable view that unpacks each task when read, so it may be
     * written out later on another thread.
     *
     * @return how many tasks were dropped
     */
    public int snapshot(Instant endedBefore, Consumer<List<VenomTask>> action) {
        synchronized (lock) {
            byte[][] states = new byte[bySeq.size()][];
            int n = 0;
            int dropped = 0;
            for (int i = 0; i < bySeq.end(); i++) {
                Entry entry = bySeq.at(i);
                if (entry == null) {
                    continue;
                }
                if (endedBefore != null && entry.status.isTerminal()
                        && CompactTask.endedAt(entry.state).isBefore(endedBefore)) {
                    bySeq.remove(entry);
                    byId.remove(CompactTask.id(entry.state));
                    if (entry.idempotencyKey != null) {
                        byKey.remove(entry.idempotencyKey, entry);
                    }
                    count(entry, entry.status, -1);
                    dropped++;
                } else {
                    states[n++] = entry.state;
                }
            }
            if (dropped > 0) {
                bySeq.trim();
            }
            action.accept(new StateList(states, n));
            return dropped;
        }
    }

    /** Captured task states, unpacked on read. */
    private static final class StateList extends AbstractList<VenomTask> {
        private final byte[][] states;
        private final int size;

        StateList(byte[][] states, int size) {
            this.states = states;
            this.size = size;
        }

        @Override
        public VenomTask get(int index) {
            Objects.checkIndex(index, size);
            return CompactTask.decode(states[index]);
        }

        @Override
        public int size() {
            return size;
        }
    }

    /** How many tasks the store holds. */
    public int size() {
        synchronized (lock) {
            return byId.size();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The task becomes visible (found, listed, claimable) only once its change is durable, so nothing can
     * act on a task whose creation might still fail. A repeat of its idempotency key meanwhile waits for it.
     */
    @Override
    public CompletableFuture<VenomTask> insert(VenomTask task) {
        Objects.requireNonNull(task, "task");
        return add(task.withVersion(1), null);
    }

    /**
     * {@code task} as it is stored given its dependencies now ({@link VenomTask#resolveDependencies});
     * {@code batch} holds the tasks stored before it in the same write. Under the lock.
     */
    private VenomTask resolved(VenomTask task, Map<UUID, VenomTask> batch) {
        if (task.dependsOn().isEmpty()) {
            return task;
        }
        Map<UUID, TaskStatus> statuses = new HashMap<>();
        for (UUID dependency : task.dependsOn()) {
            VenomTask earlier = batch.get(dependency);
            Entry entry = byId.get(dependency);
            if (earlier != null) {
                statuses.put(dependency, earlier.status());
            } else if (entry != null && entry.visible) {
                // an end not yet durable could still be undone: wait for it, settled once it is (update)
                statuses.put(dependency, entry.ending ? TaskStatus.PROCESSING : entry.status);
            } else {
                throw UnknownDependencyException.of(task, dependency);
            }
        }
        return task.resolveDependencies(statuses, clock.instant(), language);
    }

    /**
     * {@inheritDoc} The task and its claim are visible once its one change is durable; its
     * {@code Processing started} line carries its creation time.
     */
    @Override
    public CompletableFuture<Optional<Claim>> insertClaimed(VenomTask task, String owner, Duration lease) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(owner, "owner");
        Claim claim = new Claim(task.startOnArrival(task.createdAt(), language), owner, clock.instant().plus(lease));
        return add(claim.task(), claim).thenApply(stored -> Optional.of(claim));
    }

    /** {@inheritDoc} The tasks become visible together, once their one change is durable. */
    @Override
    public CompletableFuture<List<VenomTask>> insertAll(List<VenomTask> tasks) {
        synchronized (lock) {
            Map<UUID, VenomTask> batch = new HashMap<>();
            List<VenomTask> stored = new ArrayList<>(tasks.size());
            for (int i = 0; i < tasks.size(); i++) {
                VenomTask task;
                try {
                    task = resolved(tasks.get(i).withVersion(1), batch);
                } catch (UnknownDependencyException e) {
                    return CompletableFuture.failedFuture(e.inEntry(i));
                }
                stored.add(task);
                batch.put(task.id(), task);
            }
            Set<UUID> ids = new HashSet<>();
            for (VenomTask task : stored) {
                if (task.idempotencyKey() != null) {
                    throw new IllegalArgumentException("tasks of a batch carry no idempotency key; task " + task.id()
                            + " has one");
                }
                if (byId.get(task.id()) != null || !ids.add(task.id())) {
                    throw new IllegalArgumentException("task " + task.id() + " already exists");
                }
            }
            List<Entry> entries = new ArrayList<>(stored.size());
            for (VenomTask task : stored) {
                Entry entry = new Entry(nextSeq++, queueIndex(task.queue()), task);
                entry.visible = false;
                byId.putIfAbsent(task.id(), entry);
                count(entry, task.status(), 1);
                bySeq.put(entry);
                indexDependencies(entry, task);
                entries.add(entry);
            }
            return changeLog.appendAll(stored).handle((ok, error) -> {
                synchronized (lock) {
                    for (Entry entry : entries) {
                        if (error == null) {
                            entry.visible = true;
                            enqueue(entry);
                            reconcileLater(entry);
                        } else {
                            count(entry, entry.status, -1);
                            byId.remove(entry.task().id());
                            bySeq.remove(entry);
                            unindexDependencies(entry);
                        }
                    }
                }
                if (error != null) {
                    throw asStoreException(error, "insert of " + stored.size() + " tasks");
                }
                return stored;
            });
        }
    }

    /** Adds {@code stored} (version 1, or 2 when it comes with its {@code claim}) once its change is durable. */
    private CompletableFuture<VenomTask> add(VenomTask given, Claim claim) {
        synchronized (lock) {
            if (given.idempotencyKey() != null) {
                Entry holder = byKey.get(given.idempotencyKey());
                if (holder != null) {
                    return holder.visible ? CompletableFuture.completedFuture(holder.task()) : holder.inserting;
                }
            }
            VenomTask stored;
            try {
                stored = resolved(given, Map.of());
            } catch (UnknownDependencyException e) {
                return CompletableFuture.failedFuture(e);
            }
            Entry inserted = new Entry(nextSeq, queueIndex(stored.queue()), stored);
            if (byId.putIfAbsent(stored.id(), inserted) != null) {
                throw new IllegalArgumentException("task " + stored.id() + " already exists");
            }
            nextSeq++;
            inserted.visible = false;
            count(inserted, stored.status(), 1); // counted at once, so backpressure sees inserts in flight
            bySeq.put(inserted);
            indexDependencies(inserted, stored);
            if (stored.idempotencyKey() != null) {
                byKey.put(stored.idempotencyKey(), inserted);
            }
            // Registered under the lock, so it runs (on the change log's thread) before that thread moves on:
            // a failed insert is gone before anything later, such as a snapshot, is written.
            inserted.inserting = changeLog.append(stored).handle((ok, error) -> {
                VenomTask current;
                synchronized (lock) {
                    // as stored, or as a dependency's end left it meanwhile
                    current = inserted.version == stored.version() ? stored : inserted.task();
                    inserted.inserting = null;
                    if (error == null) {
                        inserted.visible = true;
                        enqueue(inserted);
                        reconcileLater(inserted);
                        if (claim != null) {
                            claims.put(stored.id(), claim);
                        }
                    } else {
                        count(inserted, inserted.status, -1);
                        byId.remove(stored.id());
                        bySeq.remove(inserted);
                        unindexDependencies(inserted);
                        if (stored.idempotencyKey() != null) {
                            byKey.remove(stored.idempotencyKey(), inserted);
                        }
                    }
                }
                if (error != null) {
                    throw asStoreException(error, "insert of task " + stored.id());
                }
                return current;
            });
            return inserted.inserting;
        }
    }

    @Override
    public Optional<VenomTask> find(UUID id) {
        byte[] state;
        synchronized (lock) {
            Entry entry = byId.get(id);
            if (entry == null || !entry.visible) {
                return Optional.empty();
            }
            state = entry.state;
        }
        return Optional.of(CompactTask.decode(state));
    }

    /** {@inheritDoc} A scan that unpacks only the tasks that have dependencies. */
    @Override
    public List<VenomTask> dependentsOf(UUID id, int limit) {
        List<byte[]> states = new ArrayList<>();
        synchronized (lock) {
            for (int i = 0; i < bySeq.end() && states.size() < limit; i++) {
                Entry entry = bySeq.at(i);
                if (entry != null && entry.visible && CompactTask.hasDependencies(entry.state)
                        && CompactTask.decode(entry.state).dependsOn().contains(id)) {
                    states.add(entry.state);
                }
            }
        }
        return states.stream().map(CompactTask::decode).toList();
    }

    @Override
    public TaskPage list(TaskQuery query) {
        Optional<TaskCursor> after = query.cursor().map(TaskCursor::parse);
        List<byte[]> states = new ArrayList<>(Math.min(query.limit(), 64));
        boolean more = false;
        synchronized (lock) {
            for (int i = after.isEmpty() ? 0 : indexAfter(after.get()); i < bySeq.end(); i++) {
                Entry entry = bySeq.at(i);
                if (entry == null || !entry.visible || !query.includes(entry.status, entry.queue.name)) {
                    continue;
                }
                if (states.size() == query.limit()) {
                    more = true;
                    break;
                }
                states.add(entry.state);
            }
        }
        List<VenomTask> page = new ArrayList<>(states.size());
        for (byte[] state : states) {
            page.add(CompactTask.decode(state));
        }
        return new TaskPage(page, more ? Optional.of(TaskCursor.after(page.get(page.size() - 1)).encode())
                : Optional.empty());
    }

    /**
     * Where a listing resumes: after the cursor's task, or if retention has dropped it since, after the
     * tasks created no later than it.
     */
    private int indexAfter(TaskCursor cursor) {
        Entry last = byId.get(cursor.id());
        if (last != null) {
            return bySeq.indexAfter(last.seq);
        }
        for (int i = 0; i < bySeq.end(); i++) {
            Entry entry = bySeq.at(i);
            if (entry != null && CompactTask.createdAt(entry.state).isAfter(cursor.createdAt())) {
                return i;
            }
        }
        return bySeq.end();
    }

    @Override
    public long count(TaskStatus status) {
        synchronized (lock) {
            return counts[status.ordinal()];
        }
    }

    @Override
    public List<Claim> claim(ClaimRequest request) {
        String owner = request.owner();
        Duration lease = request.lease();
        List<Claim> claimed = new ArrayList<>();
        synchronized (lock) {
            if (allPaused) {
                return claimed;
            }
            Instant now = clock.instant();
            for (Map.Entry<String, Integer> asked : request.limits().entrySet()) {
                QueueIndex lane = queueIndexes.get(asked.getKey());
                if (lane == null || lane.paused) {
                    continue;
                }
                lane.promoteDue(now);
                for (Entry entry : request.labels() == null ? firstReady(lane, asked.getValue())
                        : firstReadyFor(lane, asked.getValue(), request)) {
                    VenomTask current = entry.task();
                    VenomTask started = current.start(now, language).withVersion(current.version() + 1);
                    put(entry, started);
                    Claim claim = new Claim(started, owner, now.plus(lease));
                    claims.put(started.id(), claim);
                    changeLog.append(started).whenComplete(TaskTable::logUnrecorded);
                    claimed.add(claim);
                }
            }
        }
        return claimed;
    }

    /** The first {@code limit} due tasks of {@code lane}, in claim order. */
    private static List<Entry> firstReady(QueueIndex lane, int limit) {
        List<Entry> first = new ArrayList<>(Math.min(limit, lane.ready.size()));
        for (Entry entry : lane.ready) {
            if (first.size() >= limit) {
                break;
            }
            first.add(entry);
        }
        return first;
    }

    /** The first {@code limit} due tasks of {@code lane} whose requirements {@code request}'s labels satisfy. */
    private static List<Entry> firstReadyFor(QueueIndex lane, int limit, ClaimRequest request) {
        List<Entry> first = new ArrayList<>();
        for (Entry entry : lane.ready) {
            if (first.size() >= limit) {
                break;
            }
            if (request.accepts(entry.task().requires())) {
                first.add(entry);
            }
        }
        return first;
    }

    @Override
    public List<QueueState> queues() {
        synchronized (lock) {
            List<QueueState> known = new ArrayList<>(queueIndexes.size() + 1);
            if (allPaused) {
                known.add(new QueueState(QueueState.ALL, true));
            }
            queueIndexes.values().forEach(lane -> known.add(new QueueState(lane.name, lane.paused)));
            return known;
        }
    }

    /** {@inheritDoc} In memory only: a durable owner records the pause before it calls this. */
    @Override
    public CompletableFuture<Void> pause(String queue, boolean paused) {
        synchronized (lock) {
            if (queue.equals(QueueState.ALL)) {
                allPaused = paused;
                if (!paused) {
                    queueIndexes.values().forEach(lane -> lane.paused = false);
                }
            } else {
                queueIndex(TaskRequest.checkQueue(queue)).paused = paused;
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Map<String, QueueCounts> queueCounts() {
        synchronized (lock) {
            Instant now = clock.instant();
            Map<String, QueueCounts> counted = new HashMap<>();
            for (QueueIndex lane : queueIndexes.values()) {
                counted.put(lane.name, new QueueCounts(lane.counts[TaskStatus.PENDING.ordinal()],
                        lane.counts[TaskStatus.PROCESSING.ordinal()], lane.oldestDue(now)));
            }
            return counted;
        }
    }

    /** The lane of {@code queue}, made on first use. */
    private QueueIndex queueIndex(String queue) {
        return queueIndexes.computeIfAbsent(queue, QueueIndex::new);
    }

    /** Counts {@code delta} tasks of {@code entry}'s queue in {@code status}. */
    private void count(Entry entry, TaskStatus status, int delta) {
        counts[status.ordinal()] += delta;
        entry.queue.counts[status.ordinal()] += delta;
    }

    @Override
    public CompletableFuture<Optional<VenomTask>> update(VenomTask expected, VenomTask next) {
        if (!expected.id().equals(next.id())) {
            throw new IllegalArgumentException("cannot replace task " + expected.id() + " by task " + next.id());
        }
        synchronized (lock) {
            Entry entry = byId.get(expected.id());
            if (entry == null || !entry.visible || entry.version != expected.version()) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            VenomTask previous = entry.task();
            Claim previousClaim = claims.get(expected.id());
            VenomTask stored = next.withVersion(expected.version() + 1);
            put(entry, stored);
            if (stored.status() != TaskStatus.PROCESSING) {
                claims.remove(stored.id());
            }
            List<TaskChange> settled = settleDependents(stored);
            entry.ending = stored.status().isTerminal();
            return record(stored, settled).handle((ok, error) -> {
                if (error != null) {
                    synchronized (lock) {
                        rollBack(entry, stored, new Rollback(previous, previousClaim, 0));
                        undo(settled);
                    }
                    throw asStoreException(error, "update of task " + stored.id());
                }
                if (!failedBeneath.isEmpty()) {
                    synchronized (lock) {
                        failedBeneath.computeIfPresent(stored.id(),
                                (id, beneath) -> beneath.failed() < stored.version() ? null : beneath);
                    }
                }
                settledDurably(settled);
                if (stored.status().isTerminal()) {
                    settleLate(entry, stored);
                }
                return Optional.of(stored);
            });
        }
    }

    /**
     * A task as it was before an update, and its claim then (null if it had none); in {@link #failedBeneath},
     * with the version whose write {@code failed} (0 where none did).
     */
    private record Rollback(VenomTask task, Claim claim, long failed) {
    }

    /**
     * After {@code stored}'s write failed: puts the task back as it was {@code before} (or, if that was a
     * version whose write failed too, as it was before that one), unless a newer version built on
     * {@code stored} is still on its way; that one then goes back as far if it fails too. A failed version
     * must neither stay visible nor reach a snapshot.
     */
    private void rollBack(Entry entry, VenomTask stored, Rollback before) {
        UUID id = stored.id();
        Rollback beneath = failedBeneath.get(id);
        Rollback target = beneath != null && beneath.failed() == before.task().version() ? beneath : before;
        if (entry.version == stored.version()) {
            failedBeneath.remove(id);
            entry.ending = false;
            put(entry, target.task());
            if (target.claim() != null) {
                claims.put(id, target.claim());
            } else {
                claims.remove(id);
            }
            reconcileLater(entry);
        } else if (entry.version > stored.version()) {
            failedBeneath.put(id, new Rollback(target.task(), target.claim(), stored.version()));
        }
    }

    @Override
    public List<Claim> claimsOf(String owner) {
        Objects.requireNonNull(owner, "owner");
        synchronized (lock) {
            return claims.values().stream().filter(claim -> claim.owner().equals(owner)).toList();
        }
    }

    @Override
    public Optional<Claim> claimOf(UUID id) {
        synchronized (lock) {
            Claim held = claims.get(id);
            Entry entry = byId.get(id);
            return held == null || entry == null ? Optional.empty()
                    : Optional.of(new Claim(entry.task(), held.owner(), held.leaseExpiresAt()));
        }
    }

    @Override
    public Optional<Claim> renew(Claim claim, Duration lease) {
        synchronized (lock) {
            Claim held = claims.get(claim.task().id());
            if (held == null || !held.owner().equals(claim.owner())
                    || held.task().attempts() != claim.task().attempts()) {
                return Optional.empty();
            }
            Claim renewed = new Claim(held.task(), held.owner(), clock.instant().plus(lease));
            claims.put(held.task().id(), renewed);
            return Optional.of(renewed);
        }
    }

    @Override
    public int rescueExpired() {
        synchronized (lock) {
            Instant now = clock.instant();
            List<Claim> expired = new ArrayList<>();
            for (Claim claim : claims.values()) {
                if (claim.leaseExpiresAt().isBefore(now)) {
                    expired.add(claim);
                }
            }
            for (Claim claim : expired) {
                Entry entry = byId.get(claim.task().id());
                claims.remove(claim.task().id());
                VenomTask current = entry.task();
                VenomTask rescued = current.claimExpired(claim.owner(), now, language)
                        .withVersion(current.version() + 1);
                put(entry, rescued);
                List<TaskChange> settled = settleDependents(rescued);
                record(rescued, settled).whenComplete(TaskTable::logUnrecorded)
                        .thenRun(() -> settledDurably(settled));
            }
            return expired.size();
        }
    }

    @Override
    public List<Schedule> schedules() {
        return schedules.all();
    }

    /** {@inheritDoc} In memory only: a durable owner records the schedules before it calls this. */
    @Override
    public CompletableFuture<Schedule> insertSchedule(Schedule schedule) {
        try {
            return CompletableFuture.completedFuture(schedules.insert(schedule));
        } catch (ScheduleExistsException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** {@inheritDoc} In memory only, as {@link #insertSchedule}. */
    @Override
    public CompletableFuture<Optional<Schedule>> updateSchedule(Schedule expected, Schedule next) {
        return CompletableFuture.completedFuture(schedules.update(expected, next));
    }

    /** {@inheritDoc} In memory only, as {@link #insertSchedule}. */
    @Override
    public CompletableFuture<Boolean> deleteSchedule(String name) {
        return CompletableFuture.completedFuture(schedules.delete(name));
    }

    /** Puts the schedules as they were stored before, without recording them: for a durable store loading. */
    public void restoreSchedules(List<Schedule> stored) {
        schedules.restore(stored);
    }

    @Override
    public void close() {
        // Nothing to release: a durable owner closes its change log itself.
    }

    private void put(Entry entry, VenomTask task) {
        entry.queue.ready.remove(entry.priority, entry.seq);
        if (entry.runAt != null) {
            entry.queue.delayed.remove(new Due(entry.runAt, entry.seq));
        }
        count(entry, entry.status, -1); // every indexed entry is counted, one in flight too
        count(entry, task.status(), 1);
        unindexDependencies(entry);
        entry.set(task);
        indexDependencies(entry, task);
        if (entry.visible) {
            enqueue(entry);
        }
    }

    /** Indexes {@code entry}, now holding {@code task}, under each task it waits on, if it waits. */
    private void indexDependencies(Entry entry, VenomTask task) {
        if (task.isWaiting()) {
            entry.waitingOn = task.waitingOn();
            for (UUID dependency : entry.waitingOn) {
                dependents.computeIfAbsent(dependency, id -> new ArrayList<>(1)).add(entry);
            }
        }
    }

    private void unindexDependencies(Entry entry) {
        if (entry.waitingOn == null) {
            return;
        }
        for (UUID dependency : entry.waitingOn) {
            List<Entry> waiting = dependents.get(dependency);
            if (waiting != null) {
                waiting.remove(entry);
                if (waiting.isEmpty()) {
                    dependents.remove(dependency);
                }
            }
        }
        entry.waitingOn = null;
    }

    /**
     * The changes {@code ended}'s end makes to the tasks that wait on it, and down the chain to theirs: each
     * released or cancelled ({@link VenomTask#dependencyEnded}), applied here; under the lock.
     */
    private List<TaskChange> settleDependents(VenomTask ended) {
        if (!ended.status().isTerminal() || !dependents.containsKey(ended.id())) {
            return List.of();
        }
        Instant now = clock.instant();
        List<TaskChange> changes = new ArrayList<>();
        Deque<VenomTask> endings = new ArrayDeque<>();
        endings.add(ended);
        while (!endings.isEmpty()) {
            VenomTask done = endings.poll();
            List<Entry> waiting = dependents.remove(done.id());
            if (waiting == null) {
                continue;
            }
            for (Entry entry : waiting) {
                if (!entry.visible) {
                    continue; // an insert still on its way: it looks again once durable (reconcileLater)
                }
                VenomTask before = entry.task();
                VenomTask after = before.dependencyEnded(done.id(), done.status(), now, language)
                        .withVersion(before.version() + 1);
                TaskChange change = new TaskChange(before, after);
                entry.held = change.released();
                put(entry, after);
                changes.add(change);
                if (after.status().isTerminal()) {
                    endings.add(after);
                }
            }
        }
        return changes;
    }

    /**
     * {@code ended}'s end is durable: the dependents created while it was on its way (they wait on it) are
     * settled now, recorded on their own.
     */
    private void settleLate(Entry entry, VenomTask ended) {
        List<TaskChange> late;
        synchronized (lock) {
            entry.ending = false;
            if (entry.version != ended.version()) {
                return;
            }
            late = settleDependents(ended);
            if (late.isEmpty()) {
                return;
            }
            changeLog.appendAll(late.stream().map(TaskChange::after).toList())
                    .whenComplete(TaskTable::logUnrecorded).thenRun(() -> settledDurably(late));
        }
    }

    /**
     * Once a task that may wait is in place (its insert durable, or a failed write put back), settles it
     * against its dependencies as they are now, in case one of them ended meanwhile: a dependency's end
     * only changes the dependents it finds. Recorded on its own; under the lock.
     */
    private void reconcileLater(Entry entry) {
        if (entry.waitingOn == null) { // it waits on nothing: nothing to unpack
            return;
        }
        VenomTask before = entry.task();
        Instant now = clock.instant();
        VenomTask after = before;
        for (UUID dependency : before.waitingOn()) {
            Entry ended = byId.get(dependency);
            if (ended != null && ended.visible && ended.status.isTerminal() && after.status() == TaskStatus.PENDING) {
                after = after.dependencyEnded(dependency, ended.status, now, language);
            }
        }
        if (after == before) {
            return;
        }
        after = after.withVersion(before.version() + 1);
        TaskChange change = new TaskChange(before, after);
        entry.held = change.released();
        put(entry, after);
        List<TaskChange> settled = new ArrayList<>(List.of(change));
        if (after.status().isTerminal()) {
            settled.addAll(settleDependents(after));
        }
        changeLog.appendAll(settled.stream().map(TaskChange::after).toList())
                .whenComplete(TaskTable::logUnrecorded).thenRun(() -> settledDurably(settled));
    }

    /** Records {@code stored} and the changes its end made to dependents, in one change. */
    private CompletableFuture<Void> record(VenomTask stored, List<TaskChange> settled) {
        if (settled.isEmpty()) {
            return changeLog.append(stored);
        }
        List<VenomTask> written = new ArrayList<>(settled.size() + 1);
        written.add(stored);
        settled.forEach(change -> written.add(change.after()));
        return changeLog.appendAll(written);
    }

    /** Puts back what {@link #settleDependents} changed, where nothing changed it since; under the lock. */
    private void undo(List<TaskChange> settled) {
        for (int i = settled.size() - 1; i >= 0; i--) {
            TaskChange change = settled.get(i);
            Entry entry = byId.get(change.after().id());
            if (entry != null) {
                if (entry.version == change.after().version()) {
                    entry.held = false;
                }
                rollBack(entry, change.after(), new Rollback(change.before(), null, 0));
            }
        }
    }

    /** The dependents' changes are durable: the released ones may be claimed, and listeners hear of all. */
    private void settledDurably(List<TaskChange> settled) {
        if (settled.isEmpty()) {
            return;
        }
        synchronized (lock) {
            for (TaskChange change : settled) {
                Entry entry = byId.get(change.after().id());
                if (entry != null && entry.held) {
                    entry.held = false;
                    enqueue(entry);
                }
            }
        }
        dependentsListeners.accept(settled);
    }

    @Override
    public void onDependentsChanged(Consumer<List<TaskChange>> listener) {
        dependentsListeners.add(listener);
    }

    private void enqueue(Entry entry) {
        if (entry.status != TaskStatus.PENDING || entry.waitingOn != null || entry.held) {
            return;
        }
        if (entry.runAt == null) {
            entry.queue.ready.put(entry.priority, entry.seq, entry);
        } else {
            entry.queue.delayed.put(new Due(entry.runAt, entry.seq), entry);
        }
    }

    /**
     * A claim or rescue whose record failed: memory is ahead of the disk until the task's next change is
     * recorded; after a crash the task simply runs again. Logged, as nobody waits for these futures.
     */
    private static void logUnrecorded(Void ok, Throwable error) {
        if (error != null) {
            log.warn("a claim or rescue could not be recorded; the task runs again after a restart: {}",
                    error.getMessage());
        }
    }

    private static StoreException asStoreException(Throwable error, String what) {
        Throwable cause = VenomException.unwrap(error);
        return cause instanceof StoreException se ? se : new StoreException(what + " failed: " + cause.getMessage(), cause);
    }
}
