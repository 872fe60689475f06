package dev.venom.core.engine;

import dev.venom.core.model.VenomTask;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * A new task named a dependency that does not exist (never created, or dropped by retention): nothing was
 * stored. Says where, so an API can point at the entry: the dependency's position in the task's
 * {@code depends_on} and, in a batch, the task's index.
 */
public class UnknownDependencyException extends VenomException {

    private final UUID dependency;
    private final int position;
    private final OptionalInt entry;

    private UnknownDependencyException(UUID dependency, int position, OptionalInt entry) {
        super("dependency " + dependency + " does not exist" + entry.stream().mapToObj(i -> " (batch entry " + i + ")")
                .findFirst().orElse(""));
        this.dependency = dependency;
        this.position = position;
        this.entry = entry;
    }

    /** {@code dependent} names {@code dependency}, which does not exist. */
    public static UnknownDependencyException of(VenomTask dependent, UUID dependency) {
        return new UnknownDependencyException(dependency, dependent.dependsOn().indexOf(dependency),
                OptionalInt.empty());
    }

    /** The same failure, of the task at {@code index} of a batch. */
    public UnknownDependencyException inEntry(int index) {
        return new UnknownDependencyException(dependency, position, OptionalInt.of(index));
    }

    public UUID dependency() {
        return dependency;
    }

    /** Where in the task's {@code depends_on} the unknown id stands. */
    public int position() {
        return position;
    }

    /** The index of the task in its batch; empty for a task submitted alone. */
    public OptionalInt entry() {
        return entry;
    }
}
