package dev.venom.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskLogTest {

    private static final Instant T = Instant.parse("2026-12-06T10:15:30.123456Z");
    private static final String AT = "2026-12-06T10:15:30.123456Z";

    @Test
    void everyLineReadsExactlyAsTheOriginalAndEarlierVersionsWroteIt() {
        assertThat(TaskLog.taskStarted(T)).isEqualTo("Task started: " + AT);
        assertThat(TaskLog.processingStarted(T)).isEqualTo("Processing started: " + AT);
        assertThat(TaskLog.processingCompleted(T)).isEqualTo("Processing completed: " + AT);
        assertThat(TaskLog.processingFailed("boom", T)).isEqualTo("Processing failed: boom - " + AT);
        assertThat(TaskLog.attemptFailed(1, "boom", T)).isEqualTo("Attempt 1 failed: boom - " + AT);
        assertThat(TaskLog.retryScheduled(2, 3, T)).isEqualTo("Retry scheduled: attempt 2 of 3 at " + AT);
        assertThat(TaskLog.cancelled(T)).isEqualTo("Cancelled: " + AT);
        assertThat(TaskLog.interruptedByShutdown(T)).isEqualTo("Interrupted by shutdown, will run again: " + AT);
        assertThat(TaskLog.recoveredAfterRestart(T)).isEqualTo("Recovered after restart: " + AT);
        assertThat(TaskLog.claimExpiredRequeued("node-a", T)).isEqualTo("Claim of node-a expired, requeued: " + AT);
        assertThat(TaskLog.claimExpiredFailed("node-a", T))
                .isEqualTo("Claim of node-a expired on the last attempt, failed: " + AT);
        assertThat(TaskLog.processorLine("step 1", T)).isEqualTo("step 1 - " + AT);
    }

    @Test
    void resultsReadAsTheOriginalWroteThem() {
        assertThat(TaskLog.processed("hello")).isEqualTo("Processed: hello");
        assertThat(TaskLog.errorResult("boom")).isEqualTo("Error: boom");
        assertThat(TaskLog.claimExpiredResult("node-a")).isEqualTo("Error: the claim of node-a expired on its last attempt");
    }

    @Test
    void theLatestProcessingStartIsReadBackAndOtherLinesAreNot() {
        Instant later = T.plusSeconds(5);
        List<String> logs = List.of(TaskLog.taskStarted(T), TaskLog.processingStarted(T),
                TaskLog.attemptFailed(1, "Processing started: not a time", T), TaskLog.processingStarted(later),
                TaskLog.processorLine("Processing started: 2020-01-01T00:00:00.000000Z", later));

        assertThat(TaskLog.lastProcessingStarted(logs)).contains(later);
        assertThat(TaskLog.lastProcessingStarted(List.of(TaskLog.taskStarted(T)))).isEmpty();
        assertThat(TaskLog.lastProcessingStarted(List.of("Processing started: garbage"))).isEmpty();
    }

    @Test
    void theTimeALineEndsWithIsReadWhateverItsLanguage() {
        assertThat(TaskLog.timeAtEnd("Zakończono przetwarzanie: 2026-11-27T03:08:40.130367"))
                .contains(Instant.parse("2026-11-27T03:08:40.130367Z"));
        assertThat(TaskLog.timeAtEnd(TaskLog.processingFailed("disk full", T))).contains(T);
        assertThat(TaskLog.timeAtEnd("no time here")).isEmpty();
    }

    @Test
    void aRecoveryLineGivesItsTime() {
        assertThat(TaskLog.recoveredAt(TaskLog.recoveredAfterRestart(T))).contains(T);
        assertThat(TaskLog.recoveredAt(TaskLog.cancelled(T))).isEmpty();
    }
}
