package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Which events a change makes is decided from the transition, never from the text of its log lines. */
class TaskEventTest {

    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");

    private final VenomTask running = VenomTask.create(UUID.randomUUID(), new TaskRequest("x").withMaxAttempts(3), 1,
            null, T0).start(T0.plusSeconds(1));

    private static List<TaskEvent.Type> types(List<TaskEvent> events) {
        return events.stream().map(TaskEvent::type).toList();
    }

    @Test
    void progressIsAnEventHereAndWhenAnotherServerReportedIt() {
        VenomTask reported = running.reportProgress(new dev.venom.core.model.Progress(40, "halfway"), T0.plusSeconds(2));

        assertThat(types(TaskEvent.between(running, reported))).containsExactly(TaskEvent.Type.PROGRESS);
        assertThat(types(TaskEvent.observed(reported, TaskStatus.PROCESSING, List.of())))
                .containsExactly(TaskEvent.Type.PROGRESS);
        assertThat(types(TaskEvent.observed(running, TaskStatus.PROCESSING, List.of("a line - t"))))
                .containsExactly(TaskEvent.Type.LOG_APPENDED);
    }

    @Test
    void aFailedAttemptPutBackToWaitIsARetry() {
        VenomTask retry = running.retry("boom", T0.plusSeconds(10), T0.plusSeconds(2));

        assertThat(types(TaskEvent.between(running, retry))).containsExactly(TaskEvent.Type.LOG_APPENDED,
                TaskEvent.Type.LOG_APPENDED, TaskEvent.Type.STATUS_CHANGED, TaskEvent.Type.RETRY_SCHEDULED);
    }

    @Test
    void anAttemptPutBackToRunAgainIsARequeueWhateverItsLogLineSays() {
        VenomTask requeued = running.requeue("Retry scheduled: (a line that only looks like a retry)",
                T0.plusSeconds(2));

        assertThat(types(TaskEvent.between(running, requeued))).containsExactly(TaskEvent.Type.LOG_APPENDED,
                TaskEvent.Type.STATUS_CHANGED, TaskEvent.Type.REQUEUED);
    }

    @Test
    void anExpiredClaimPutBackIsARequeueToo() {
        VenomTask rescued = running.claimExpired("node-b", T0.plusSeconds(40));

        assertThat(types(TaskEvent.between(running, rescued))).endsWith(TaskEvent.Type.REQUEUED);
    }
}
