package dev.venom.core.engine;

import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.Timestamps;
import dev.venom.core.model.VenomTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A {@link StateStore} held in memory, in creation order. On its own it is volatile (for tests and
 * embedding); given a {@link ChangeLog} it is the index of a durable store, which is how the embedded
 * JSON journal works. Thread-safe: every operation holds one lock for a few map operations.
 *
 * <p>Cursors are the task's position in creation order; they stay valid while the store is open.
 */
public final class InMemoryStateStore implements StateStore {

    private final Clock clock;
    private final ChangeLog changeLog;
    private final Object lock = new Object();
    private final Map<UUID, Entry> byId = new HashMap<>();
    private final NavigableMap<Long, Entry> bySeq = new TreeMap<>();
    private final NavigableMap<Long, Entry> ready = new TreeMap<>();
    private final Map<UUID, Claim> claims = new HashMap<>();
    /** Tasks whose insert is queued in the change log but not yet durable: in snapshots, not yet visible. */
    private final Map<UUID, Entry> inserting = new HashMap<>();
    private long nextSeq;

    private static final class Entry {
        final long seq;
        VenomTask task;

        Entry(long seq, VenomTask task) {
            this.seq = seq;
            this.task = task;
        }
    }

    /** A volatile store on the system clock. */
    public InMemoryStateStore() {
        this(Clock.systemUTC(), ChangeLog.NONE);
    }

    /** A store that records every change in {@code changeLog} and reads time from {@code clock}. */
    public InMemoryStateStore(Clock clock, ChangeLog changeLog) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.changeLog = Objects.requireNonNull(changeLog, "changeLog");
    }

    /**
     * Puts {@code task} as it was stored before, without recording it: for a durable store that is loading
     * its state. A task already present is replaced in place (a later journal entry wins).
     */
    public void restore(VenomTask task) {
        synchronized (lock) {
            Entry entry = byId.get(task.id());
            if (entry == null) {
                entry = new Entry(nextSeq++, task);
                byId.put(task.id(), entry);
                bySeq.put(entry.seq, entry);
            }
            put(entry, task.withVersion(Math.max(task.version(), entry.task.version())));
            claims.remove(task.id());
        }
    }

    /**
     * Removes the tasks {@code drop} accepts, then runs {@code action} with every remaining task in
     * creation order, all while no change can happen: a durable store takes a snapshot that matches a
     * point in its change log exactly, and applies retention in the same step.
     *
     * @return how many tasks were dropped
     */
    public int snapshot(Predicate<VenomTask> drop, Consumer<List<VenomTask>> action) {
        synchronized (lock) {
            List<Entry> kept = new ArrayList<>(bySeq.size() + inserting.size());
            int dropped = 0;
            for (Iterator<Entry> it = bySeq.values().iterator(); it.hasNext(); ) {
                Entry entry = it.next();
                if (drop.test(entry.task)) {
                    it.remove();
                    byId.remove(entry.task.id());
                    ready.remove(entry.seq);
                    claims.remove(entry.task.id());
                    dropped++;
                } else {
                    kept.add(entry);
                }
            }
            if (!inserting.isEmpty()) {
                kept.addAll(inserting.values());
                kept.sort(Comparator.comparingLong(entry -> entry.seq));
            }
            List<VenomTask> tasks = new ArrayList<>(kept.size());
            for (Entry entry : kept) {
                tasks.add(entry.task);
            }
            action.accept(tasks);
            return dropped;
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
     * act on a task whose creation might still fail.
     */
    @Override
    public CompletableFuture<VenomTask> insert(VenomTask task) {
        Objects.requireNonNull(task, "task");
        VenomTask stored = task.withVersion(1);
        Entry entry;
        CompletableFuture<Void> durable;
        synchronized (lock) {
            if (byId.containsKey(task.id()) || inserting.containsKey(task.id())) {
                throw new IllegalArgumentException("task " + task.id() + " already exists");
            }
            entry = new Entry(nextSeq++, stored);
            inserting.put(task.id(), entry);
            durable = changeLog.append(stored);
        }
        return durable.handle((ok, error) -> {
            synchronized (lock) {
                inserting.remove(task.id());
                if (error == null) {
                    byId.put(task.id(), entry);
                    bySeq.put(entry.seq, entry);
                    put(entry, stored);
                }
            }
            if (error != null) {
                throw asStoreException(error, "insert of task " + task.id());
            }
            return stored;
        });
    }

    @Override
    public Optional<VenomTask> find(UUID id) {
        synchronized (lock) {
            Entry entry = byId.get(id);
            return entry == null ? Optional.empty() : Optional.of(entry.task);
        }
    }

    @Override
    public TaskPage list(TaskQuery query) {
        long from = query.cursor().map(InMemoryStateStore::parseCursor).orElse(-1L);
        List<VenomTask> page = new ArrayList<>(Math.min(query.limit(), 64));
        synchronized (lock) {
            for (Entry entry : bySeq.tailMap(from, false).values()) {
                if (!query.includes(entry.task.status())) {
                    continue;
                }
                if (page.size() == query.limit()) {
                    return new TaskPage(page, Optional.of(Long.toString(lastSeq(page))));
                }
                page.add(entry.task);
            }
        }
        return new TaskPage(page, Optional.empty());
    }

    @Override
    public List<Claim> claim(String owner, int limit, Duration lease) {
        Objects.requireNonNull(owner, "owner");
        if (limit < 1) {
            return List.of();
        }
        List<Claim> claimed = new ArrayList<>(Math.min(limit, 64));
        synchronized (lock) {
            Instant now = clock.instant();
            while (claimed.size() < limit && !ready.isEmpty()) {
                Entry entry = ready.firstEntry().getValue();
                VenomTask started = entry.task.start(now).withVersion(entry.task.version() + 1);
                put(entry, started);
                Claim claim = new Claim(started, owner, now.plus(lease));
                claims.put(started.id(), claim);
                changeLog.append(started);
                claimed.add(claim);
            }
        }
        return claimed;
    }

    @Override
    public CompletableFuture<Optional<VenomTask>> update(VenomTask expected, VenomTask next) {
        if (!expected.id().equals(next.id())) {
            throw new IllegalArgumentException("cannot replace task " + expected.id() + " by task " + next.id());
        }
        VenomTask stored;
        CompletableFuture<Void> durable;
        synchronized (lock) {
            Entry entry = byId.get(expected.id());
            if (entry == null || entry.task.version() != expected.version()) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            stored = next.withVersion(expected.version() + 1);
            put(entry, stored);
            if (stored.status() != TaskStatus.PROCESSING) {
                claims.remove(stored.id());
            }
            durable = changeLog.append(stored);
        }
        return durable.handle((ok, error) -> {
            if (error != null) {
                throw asStoreException(error, "update of task " + stored.id());
            }
            return Optional.of(stored);
        });
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
                VenomTask rescued = entry.task
                        .requeue("Claim of " + claim.owner() + " expired, requeued: " + Timestamps.format(now))
                        .withVersion(entry.task.version() + 1);
                put(entry, rescued);
                changeLog.append(rescued);
            }
            return expired.size();
        }
    }

    @Override
    public void close() {
        // Nothing to release: a durable owner closes its change log itself.
    }

    private void put(Entry entry, VenomTask task) {
        entry.task = task;
        if (task.status() == TaskStatus.PENDING) {
            ready.put(entry.seq, entry);
        } else {
            ready.remove(entry.seq);
        }
    }

    private long lastSeq(List<VenomTask> page) {
        return byId.get(page.get(page.size() - 1).id()).seq;
    }

    private static long parseCursor(String cursor) {
        try {
            return Long.parseLong(cursor);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid cursor: " + cursor);
        }
    }

    private static StoreException asStoreException(Throwable error, String what) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        return cause instanceof StoreException se ? se : new StoreException(what + " failed: " + cause.getMessage(), cause);
    }
}
