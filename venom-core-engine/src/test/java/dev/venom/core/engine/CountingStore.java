package dev.venom.core.engine;

import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A store in front of another that counts how tasks were claimed. Without {@code arrivals} it leaves
 * {@link StateStore#insertClaimed} to the interface's default, as a store written before that method would:
 * every task is then inserted PENDING and claimed.
 */
public final class CountingStore implements StateStore {

    private final StateStore delegate;
    private final boolean arrivals;
    private final AtomicInteger claimCalls = new AtomicInteger();
    private final AtomicInteger claimed = new AtomicInteger();
    private final AtomicInteger insertedClaimed = new AtomicInteger();
    private final Set<UUID> renewed = ConcurrentHashMap.newKeySet();
    private volatile CompletableFuture<?> arrivalGate = CompletableFuture.completedFuture(null);
    private volatile CompletableFuture<?> outcomeGate = CompletableFuture.completedFuture(null);
    private final AtomicInteger claimAnswersToLose = new AtomicInteger();
    private final AtomicReference<Runnable> whileClaiming = new AtomicReference<>();
    private final AtomicInteger arrivalAnswersToLose = new AtomicInteger();

    public CountingStore(StateStore delegate, boolean arrivals) {
        this.delegate = delegate;
        this.arrivals = arrivals;
    }

    /** Runs {@code meanwhile} once, during the next claim (after the store answered, before the caller hears). */
    public void whileClaiming(Runnable meanwhile) {
        whileClaiming.set(meanwhile);
    }

    /** How many claims were made, whether or not they took a task. */
    public int claimCalls() {
        return claimCalls.get();
    }

    /** How many tasks claims have taken. */
    public int claimed() {
        return claimed.get();
    }

    /** Holds back the answer of every {@link #insertClaimed} (stored at once) until {@code gate} completes. */
    public void holdArrivals(CompletableFuture<?> gate) {
        this.arrivalGate = gate;
    }

    /** Starts every write of an ended task (its outcome) only once {@code gate} completes: a slow disk. */
    public void holdOutcomes(CompletableFuture<?> gate) {
        this.outcomeGate = gate;
    }

    /**
     * The next {@code count} claims that take a task commit, but their caller gets a {@link StoreException}
     * instead of the claims: as when a database answers after the driver gave up waiting.
     */
    public void loseClaimAnswers(int count) {
        claimAnswersToLose.set(count);
    }

    /** Likewise for the next {@code count} tasks stored already claimed. */
    public void loseArrivalAnswers(int count) {
        arrivalAnswersToLose.set(count);
    }

    private static boolean takeOne(AtomicInteger counter) {
        return counter.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    }

    /** How many tasks were stored already claimed. */
    public int insertedClaimed() {
        return insertedClaimed.get();
    }

    @Override
    public CompletableFuture<Optional<Claim>> insertClaimed(VenomTask task, String owner, Duration lease) {
        if (!arrivals) {
            return StateStore.super.insertClaimed(task, owner, lease);
        }
        CompletableFuture<?> gate = arrivalGate;
        return delegate.insertClaimed(task, owner, lease).thenCombine(gate, (claim, open) -> {
            claim.ifPresent(held -> insertedClaimed.incrementAndGet());
            if (claim.isPresent() && takeOne(arrivalAnswersToLose)) {
                throw new StoreException("the answer to storing task " + task.id() + " was lost");
            }
            return claim;
        });
    }

    @Override
    public CompletableFuture<VenomTask> insert(VenomTask task) {
        return delegate.insert(task);
    }

    @Override
    public Optional<VenomTask> find(UUID id) {
        return delegate.find(id);
    }

    @Override
    public TaskPage list(TaskQuery query) {
        return delegate.list(query);
    }

    @Override
    public long count(TaskStatus status) {
        return delegate.count(status);
    }

    @Override
    public List<Claim> claim(ClaimRequest request) {
        List<Claim> claims = delegate.claim(request);
        Runnable meanwhile = whileClaiming.getAndSet(null);
        if (meanwhile != null) {
            meanwhile.run();
        }
        claimCalls.incrementAndGet();
        claimed.addAndGet(claims.size());
        if (!claims.isEmpty() && takeOne(claimAnswersToLose)) {
            throw new StoreException("the answer to a claim of " + claims.size() + " task(s) was lost");
        }
        return claims;
    }

    @Override
    public CompletableFuture<Optional<VenomTask>> update(VenomTask expected, VenomTask next) {
        if (next.status().isTerminal() && expected.status() == TaskStatus.PROCESSING) {
            return outcomeGate.thenCompose(open -> delegate.update(expected, next));
        }
        return delegate.update(expected, next);
    }

    @Override
    public List<Claim> claimsOf(String owner) {
        return delegate.claimsOf(owner);
    }

    @Override
    public CompletableFuture<List<VenomTask>> insertAll(List<VenomTask> tasks) {
        return delegate.insertAll(tasks);
    }

    @Override
    public Optional<Claim> claimOf(UUID id) {
        return delegate.claimOf(id);
    }

    @Override
    public List<VenomTask> dependentsOf(UUID id, int limit) {
        return delegate.dependentsOf(id, limit);
    }

    @Override
    public List<Schedule> schedules() {
        return delegate.schedules();
    }

    @Override
    public CompletableFuture<Schedule> insertSchedule(Schedule schedule) {
        return delegate.insertSchedule(schedule);
    }

    @Override
    public CompletableFuture<Optional<Schedule>> updateSchedule(Schedule expected, Schedule next) {
        return delegate.updateSchedule(expected, next);
    }

    @Override
    public CompletableFuture<Boolean> deleteSchedule(String name) {
        return delegate.deleteSchedule(name);
    }

    @Override
    public Optional<Claim> renew(Claim claim, Duration lease) {
        renewed.add(claim.task().id());
        return delegate.renew(claim, lease);
    }

    /** The tasks whose claims were renewed so far, and forgets them. */
    public Set<UUID> renewedSinceAsked() {
        Set<UUID> asked = Set.copyOf(renewed);
        renewed.removeAll(asked);
        return asked;
    }

    @Override
    public int rescueExpired() {
        return delegate.rescueExpired();
    }

    @Override
    public List<QueueState> queues() {
        return delegate.queues();
    }

    @Override
    public CompletableFuture<Void> pause(String queue, boolean paused) {
        return delegate.pause(queue, paused);
    }

    @Override
    public Map<String, QueueCounts> queueCounts() {
        return delegate.queueCounts();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
