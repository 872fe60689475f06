package dev.venom.core.engine;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What a store tells the engine without being asked: new tasks other processes added, the events of other
 * servers' changes, and whether it can take writes now. A {@link StateStore} that has any of these
 * implements this interface too; the {@link Orchestrator} listens to a store that does. Every method has a
 * default for a store that has nothing to tell.
 */
public interface StoreSignals {

    /** A store with nothing to tell. */
    StoreSignals NONE = new StoreSignals() {
    };

    /**
     * Why the store cannot take writes now (a full disk, an unreachable database), or empty if it can: what
     * a readiness check asks. Quick: at most a short round trip.
     */
    default Optional<String> problem() {
        return Optional.empty();
    }

    /**
     * Registers {@code listener} to run when tasks were added by another process sharing the store (a
     * database notification), so an idle engine claims them at once rather than at its next poll. The
     * listener must be quick; it may run on any thread. A store nobody else writes never calls it.
     */
    default void onNewTasks(Runnable listener) {
        // nothing to listen to
    }

    /**
     * Registers {@code listener} to run when another server cancelled a task that was PROCESSING, with the
     * task's id and the attempt it cancelled: a processor running that attempt here is told at once instead
     * of at its next heartbeat. Quick; on any thread. A store nobody else writes never calls it.
     */
    default void onCancelled(BiConsumer<UUID, Integer> listener) {
        // nobody else cancels
    }

    /**
     * Registers {@code listener} for the tasks this store changed itself, in the write that ended a task they
     * depend on: released to run (they wait on nothing now) or CANCELLED because the dependency did not
     * complete, down the chain. Told once the write is durable, in the order written; quick; on any thread.
     * A store without dependents to change never calls it.
     */
    default void onDependentsChanged(Consumer<List<TaskChange>> listener) {
        // no dependents
    }

    /**
     * Tells {@code listener} of other servers' changes to this shared store; a store only one server uses
     * never calls it. Finding them costs the store work per change, so the engine registers only when a
     * {@link TaskListener} wants remote events.
     */
    default void onRemoteEvents(RemoteListener listener) {
        // nobody else writes
    }

    /**
     * What a shared store tells the engine of the changes other servers commit: their events, soon after
     * they commit, in order per task as far as each task's version shows; and when some could not be told.
     * Called on a thread of the store's; both must be quick.
     */
    interface RemoteListener {
        /** Events of changes other servers made (and of expired claims this one rescued). */
        void events(List<TaskEvent> events);

        /** Some events were lost (a notification channel down, a backlog overflowed): re-read the state. */
        void missed();

        /**
         * Whether anyone wants the events now; while not, the store may skip finding them and report them
         * {@linkplain #missed missed} instead.
         */
        default boolean wanted() {
            return true;
        }
    }
}
