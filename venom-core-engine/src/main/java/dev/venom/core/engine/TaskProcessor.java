package dev.venom.core.engine;

import dev.venom.core.model.VenomTask;
import java.util.concurrent.CompletionStage;

/**
 * The work a task stands for. The engine calls {@link #process} once per attempt, on one of its worker
 * threads, and records the outcome: a result completes the task, an exception or a failed stage fails it
 * with the exception's message.
 *
 * <p>Implementations must be thread-safe: several tasks run at once. A processor that waits (on a timer,
 * a remote call) should return an incomplete stage rather than block, so it holds no thread.
 */
@FunctionalInterface
public interface TaskProcessor {

    /**
     * Runs one attempt of {@code task}.
     *
     * @param task the task as claimed: status PROCESSING, {@code attempts} counting this one
     * @param ctx  this attempt's handle: log lines, attempt number, cancellation
     * @return a stage completed with the task's result, or completed exceptionally to fail it
     */
    CompletionStage<String> process(VenomTask task, TaskContext ctx);
}
