package dev.venom.core.engine;

import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The only way task state is read or written. "Completes" means "durable": once a returned future
 * completes normally, a crash of the process ({@code kill -9}) cannot lose that change. Failures are
 * reported as {@link StoreException}, directly or through the future.
 *
 * <p>Writes are compare-and-set: an update applies only if the task is still at the version the writer
 * read, and every write bumps the version. A claimed task is therefore fenced by its claim: once the
 * claim is rescued or the task is changed elsewhere, the old holder's writes no longer apply.
 *
 * <p>This port holds the data operations only; what a store tells the engine unasked (wake-ups, other servers'
 * events, health) is {@link StoreSignals}, which a store may implement too.
 *
 * <p>Implementations are thread-safe and pass {@code StateStoreContract}.
 */
public interface StateStore extends AutoCloseable {

    /**
     * Adds a new task, unless it has an {@link VenomTask#idempotencyKey() idempotency key} that another task
     * holds: then nothing is added and that task is returned (the caller sees a different id). Of concurrent
     * inserts with one key exactly one adds its task.
     *
     * @return the task as stored (with its version), once durable
     * @throws IllegalArgumentException if a task with this id exists
     */
    CompletableFuture<VenomTask> insert(VenomTask task);

    /**
     * Adds a new task already claimed by {@code owner}: an {@link #insert} and a {@link #claim} of that task
     * in one durable write, so an engine with a free slot and nothing waiting runs what it just accepted
     * without writing it twice. The task is stored {@linkplain VenomTask#start started} (PROCESSING, attempt
     * 1) at version 2, its creation being version 1, and held for {@code lease} like any claim.
     *
     * <p>The default checks the task, inserts it PENDING and answers empty: a store that cannot do both in
     * one write lets the task be claimed as usual.
     *
     * @param task a new PENDING task, due now, without an idempotency key
     * @return the claim once durable, or empty if the task was stored PENDING instead
     * @throws IllegalArgumentException if a task with this id exists, or {@code task} is not such a task
     */
    default CompletableFuture<Optional<Claim>> insertClaimed(VenomTask task, String owner, Duration lease) {
        task.startOnArrival(task.createdAt()); // the same checks as a store that claims it
        return insert(task).thenApply(stored -> Optional.empty());
    }

    /**
     * Adds new tasks in one durable write: every one of them, or none (a crash at any point leaves all or
     * none; a failure stores none). Tasks of a batch carry no idempotency key.
     *
     * @return the tasks as stored (version 1), in order, once durable
     * @throws IllegalArgumentException if a task with one of the ids exists, ids repeat, or a task has an
     *     idempotency key
     */
    CompletableFuture<List<VenomTask>> insertAll(List<VenomTask> tasks);

    /** The task with {@code id} as last written, if any. */
    Optional<VenomTask> find(UUID id);

    /**
     * The tasks that name the task with {@code id} in their {@code depends_on}, oldest first, at most
     * {@code limit} of them; whatever their status. The default reads every task; the stores here index them.
     */
    default List<VenomTask> dependentsOf(UUID id, int limit) {
        List<VenomTask> found = new ArrayList<>();
        TaskQuery query = TaskQuery.firstPage(TaskQuery.MAX_LIMIT);
        while (found.size() < limit) {
            TaskPage page = list(query);
            page.tasks().stream().filter(task -> task.dependsOn().contains(id)).limit(limit - found.size())
                    .forEach(found::add);
            if (page.nextCursor().isEmpty()) {
                break;
            }
            query = query.after(page);
        }
        return found;
    }

    /** One page of tasks, oldest first; the page's cursor is a {@link TaskCursor}. */
    TaskPage list(TaskQuery query);

    /**
     * How many tasks are in {@code status}, inserts still on their way to disk included; cheap enough to ask
     * on every request. A shared store may answer from a cache a moment old (PostgreSQL: up to 250 ms for
     * PENDING and PROCESSING, 5 s for the ended statuses); {@link #countExact} counts now.
     */
    long count(TaskStatus status);

    /** How many tasks are in {@code status} at this moment, never cached; may cost a scan. */
    default long countExact(TaskStatus status) {
        return count(status);
    }

    /**
     * Adds a new PENDING task inside the caller's own JDBC {@code transaction} (auto-commit off): the task
     * exists if and only if that transaction commits, and the engines sharing the store are woken only then.
     * Nothing is committed or rolled back here. A task with an idempotency key another task holds is not
     * added; that task is returned.
     *
     * @return the task as it will be stored (version 1), or the task that holds its key
     * @throws UnsupportedOperationException if the store has no JDBC transactions (the embedded journal)
     */
    default VenomTask insert(VenomTask task, java.sql.Connection transaction) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " has no JDBC transactions to enqueue in; use the PostgreSQL store");
    }

    /**
     * Claims due PENDING tasks for the request's owner, up to its limit for each queue: highest priority
     * first, then oldest, within each queue; a task whose {@code run_at} is in the future is not due, and a
     * paused queue ({@link #pause}) gives none. Each is moved to
     * PROCESSING ({@link VenomTask#start}) and held for the request's lease. Two owners never claim one task.
     */
    List<Claim> claim(ClaimRequest request);

    /**
     * The claims {@code owner} holds now: its PROCESSING tasks with their leases, expired or not. An engine
     * asks for them to find claims it never heard back from (a claim or a start on arrival that committed
     * after the call had failed), so that such a task runs on the attempt it was given instead of failing
     * when the lease runs out. The default answers none: a store whose claims cannot commit unseen.
     */
    default List<Claim> claimsOf(String owner) {
        return List.of();
    }

    /**
     * The claim held on the task with {@code id} now, expired or not: who holds it and until when. Empty if
     * the task is not PROCESSING (or not known). Remote workers' calls name only the task and the attempt;
     * this finds the lease to renew.
     */
    Optional<Claim> claimOf(UUID id);

    /**
     * Replaces {@code expected} by {@code next} if the stored task is still at {@code expected}'s version.
     *
     * @return the stored task (new version) once durable, or empty if the task changed since it was read
     */
    CompletableFuture<Optional<VenomTask>> update(VenomTask expected, VenomTask next);

    /**
     * Extends a claim by {@code lease} from now.
     *
     * @return the renewed claim, or empty if the claim is no longer held (rescued, or the task moved on)
     */
    Optional<Claim> renew(Claim claim, Duration lease);

    /**
     * Returns every task whose claim expired to PENDING, or to FAILED when that was its last allowed attempt
     * ({@link VenomTask#claimExpired}), with a log line naming the lost owner.
     *
     * @return how many were rescued
     */
    int rescueExpired();

    /**
     * Every queue the store knows, and whether an operator paused it; {@link QueueState#ALL} is listed while
     * every queue is paused. A queue is known once a task was stored in it or it was paused. Cheap enough to
     * ask every second.
     */
    List<QueueState> queues();

    /**
     * Pauses or resumes {@code queue}, or every queue ({@link QueueState#ALL}), for every server sharing the
     * store: while a queue or {@code ALL} is paused, {@link #claim} takes none of its tasks. Durable once the
     * future completes. Resuming {@code ALL} resumes every queue.
     */
    CompletableFuture<Void> pause(String queue, boolean paused);

    /** Per known queue, how many of its tasks wait and run now; a queue with none may be left out. */
    Map<String, QueueCounts> queueCounts();

    /** Every schedule, by name. Cheap enough to ask every second. */
    List<Schedule> schedules();

    /**
     * Adds a new schedule (stored at version 1).
     *
     * @return it as stored, once durable; fails with {@link ScheduleExistsException} if the name is taken
     */
    CompletableFuture<Schedule> insertSchedule(Schedule schedule);

    /**
     * Replaces {@code expected} by {@code next} if the stored schedule is still at {@code expected}'s version.
     *
     * @return the stored schedule (new version) once durable, or empty if it changed or was deleted since
     */
    CompletableFuture<Optional<Schedule>> updateSchedule(Schedule expected, Schedule next);

    /** Deletes the schedule named {@code name}; true once durable, false if there was none. */
    CompletableFuture<Boolean> deleteSchedule(String name);

    /** Releases what the store holds (files, connections). Idempotent. */
    @Override
    void close();
}
