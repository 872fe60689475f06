package dev.venom.core.engine;

import dev.venom.core.model.TaskRequest;
import java.util.List;
import java.util.Objects;

/**
 * One task of a batch ({@link Orchestrator#submitBatch}): its request, and the earlier entries of the same
 * batch it depends on besides the stored tasks its request names, by index; the task runs once all of them
 * have COMPLETED.
 *
 * @param request          what to run
 * @param dependsOnEntries indexes of earlier entries of the batch; empty for none
 */
public record BatchEntry(TaskRequest request, List<Integer> dependsOnEntries) {

    public BatchEntry {
        Objects.requireNonNull(request, "request");
        dependsOnEntries = List.copyOf(dependsOnEntries);
    }

    /** An entry that depends on no other entry of its batch. */
    public static BatchEntry of(TaskRequest request) {
        return new BatchEntry(request, List.of());
    }
}
