package dev.venom.core.engine;

import dev.venom.core.engine.internal.ChangeLog;
import dev.venom.core.engine.internal.TaskTable;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A {@link StateStore} held in memory only: for tests and for embedding where losing the tasks with the
 * process is acceptable. Tasks are kept packed, about a third of their object size, so a million of them
 * fit in a few hundred megabytes. Thread-safe.
 */
public final class InMemoryStateStore implements StateStore, StoreSignals {

    private final TaskTable table;

    /** A store on the system clock. */
    public InMemoryStateStore() {
        this(Clock.systemUTC());
    }

    /** A store that reads time (claims, leases, {@code run_at}) from {@code clock}. */
    public InMemoryStateStore(Clock clock) {
        this(clock, TaskLog.EN);
    }

    /** A store on {@code clock} whose claims and rescues write their lines in {@code language}. */
    public InMemoryStateStore(Clock clock, TaskLog language) {
        this.table = new TaskTable(Objects.requireNonNull(clock, "clock"), ChangeLog.NONE, language);
    }

    @Override
    public CompletableFuture<VenomTask> insert(VenomTask task) {
        return table.insert(task);
    }

    @Override
    public CompletableFuture<Optional<Claim>> insertClaimed(VenomTask task, String owner, Duration lease) {
        return table.insertClaimed(task, owner, lease);
    }

    @Override
    public Optional<VenomTask> find(UUID id) {
        return table.find(id);
    }

    @Override
    public List<VenomTask> dependentsOf(UUID id, int limit) {
        return table.dependentsOf(id, limit);
    }

    @Override
    public TaskPage list(TaskQuery query) {
        return table.list(query);
    }

    @Override
    public long count(TaskStatus status) {
        return table.count(status);
    }

    @Override
    public List<Claim> claim(ClaimRequest request) {
        return table.claim(request);
    }

    @Override
    public List<Claim> claimsOf(String owner) {
        return table.claimsOf(owner);
    }

    @Override
    public CompletableFuture<List<VenomTask>> insertAll(List<VenomTask> tasks) {
        return table.insertAll(tasks);
    }

    @Override
    public Optional<Claim> claimOf(UUID id) {
        return table.claimOf(id);
    }

    @Override
    public CompletableFuture<Optional<VenomTask>> update(VenomTask expected, VenomTask next) {
        return table.update(expected, next);
    }

    @Override
    public Optional<Claim> renew(Claim claim, Duration lease) {
        return table.renew(claim, lease);
    }

    @Override
    public int rescueExpired() {
        return table.rescueExpired();
    }

    @Override
    public List<QueueState> queues() {
        return table.queues();
    }

    @Override
    public CompletableFuture<Void> pause(String queue, boolean paused) {
        return table.pause(queue, paused);
    }

    @Override
    public Map<String, QueueCounts> queueCounts() {
        return table.queueCounts();
    }

    @Override
    public List<Schedule> schedules() {
        return table.schedules();
    }

    @Override
    public CompletableFuture<Schedule> insertSchedule(Schedule schedule) {
        return table.insertSchedule(schedule);
    }

    @Override
    public CompletableFuture<Optional<Schedule>> updateSchedule(Schedule expected, Schedule next) {
        return table.updateSchedule(expected, next);
    }

    @Override
    public CompletableFuture<Boolean> deleteSchedule(String name) {
        return table.deleteSchedule(name);
    }

    @Override
    public void onDependentsChanged(Consumer<List<TaskChange>> listener) {
        table.onDependentsChanged(listener);
    }

    @Override
    public void close() {
        table.close();
    }
}
