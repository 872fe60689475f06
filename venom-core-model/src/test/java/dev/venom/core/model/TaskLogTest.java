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
        assertThat(TaskLog.EN.taskStarted(T)).isEqualTo("Task started: " + AT);
        assertThat(TaskLog.EN.processingStarted(T)).isEqualTo("Processing started: " + AT);
        assertThat(TaskLog.EN.processingCompleted(T)).isEqualTo("Processing completed: " + AT);
        assertThat(TaskLog.EN.processingFailed("boom", T)).isEqualTo("Processing failed: boom - " + AT);
        assertThat(TaskLog.EN.attemptFailed(1, "boom", T)).isEqualTo("Attempt 1 failed: boom - " + AT);
        assertThat(TaskLog.EN.retryScheduled(2, 3, T)).isEqualTo("Retry scheduled: attempt 2 of 3 at " + AT);
        assertThat(TaskLog.EN.cancelled(T)).isEqualTo("Cancelled: " + AT);
        assertThat(TaskLog.EN.interruptedByShutdown(T)).isEqualTo("Interrupted by shutdown, will run again: " + AT);
        assertThat(TaskLog.EN.recoveredAfterRestart(T)).isEqualTo("Recovered after restart: " + AT);
        assertThat(TaskLog.EN.claimExpiredRequeued("node-a", T)).isEqualTo("Claim of node-a expired, requeued: " + AT);
        assertThat(TaskLog.EN.claimExpiredFailed("node-a", T))
                .isEqualTo("Claim of node-a expired on the last attempt, failed: " + AT);
        assertThat(TaskLog.processorLine("step 1", T)).isEqualTo("step 1 - " + AT);
    }

    @Test
    void inPolishTheLinesAndResultsReadAsTheOriginalsCodeWroteThem() {
        assertThat(TaskLog.PL.taskStarted(T)).isEqualTo("Zadanie uruchomione: " + AT);
        assertThat(TaskLog.PL.processingStarted(T)).isEqualTo("Rozpoczęto przetwarzanie: " + AT);
        assertThat(TaskLog.PL.processingCompleted(T)).isEqualTo("Zakończono przetwarzanie: " + AT);
        assertThat(TaskLog.PL.processed("Napisz raport")).isEqualTo("Przetworzono: Napisz raport");
        assertThat(TaskLog.PL.errorResult("boom")).isEqualTo("Błąd: boom");
        assertThat(TaskLog.PL.processingFailed("boom", T)).isEqualTo("Błąd przetwarzania: boom - " + AT);
        assertThat(TaskLog.PL.attemptFailed(1, "boom", T)).isEqualTo("Próba 1 nieudana: boom - " + AT);
        assertThat(TaskLog.PL.retryScheduled(2, 3, T)).isEqualTo("Ponowienie zaplanowane: próba 2 z 3 o " + AT);
        assertThat(TaskLog.PL.cancelled(T)).isEqualTo("Anulowano: " + AT);
        assertThat(TaskLog.PL.timedOut(100)).isEqualTo("przekroczono limit czasu 100 ms");
        assertThat(TaskLog.EN.timedOut(100)).isEqualTo("timed out after 100 ms");
        assertThat(TaskLog.PL.recoveredAfterRestart(T)).isEqualTo("Wznowiono po restarcie: " + AT);
        assertThat(TaskLog.PL.claimExpiredResult("node-a"))
                .isEqualTo("Błąd: dzierżawa węzła node-a wygasła przy ostatniej próbie");
    }

    @Test
    void theReadersRecogniseBothLanguages() {
        Instant later = T.plusSeconds(5);
        assertThat(TaskLog.lastProcessingStarted(List.of(TaskLog.EN.processingStarted(T),
                TaskLog.PL.processingStarted(later)))).contains(later);
        assertThat(TaskLog.recoveredAt(TaskLog.PL.recoveredAfterRestart(T))).contains(T);
        assertThat(TaskLog.of("PL")).isEqualTo(TaskLog.PL);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskLog.of("de"))
                .hasMessage("must be en or pl, was 'de'");
    }

    @Test
    void resultsReadAsTheOriginalWroteThem() {
        assertThat(TaskLog.EN.processed("hello")).isEqualTo("Processed: hello");
        assertThat(TaskLog.EN.errorResult("boom")).isEqualTo("Error: boom");
        assertThat(TaskLog.EN.claimExpiredResult("node-a")).isEqualTo("Error: the claim of node-a expired on its last attempt");
    }

    @Test
    void theLatestProcessingStartIsReadBackAndOtherLinesAreNot() {
        Instant later = T.plusSeconds(5);
        List<String> logs = List.of(TaskLog.EN.taskStarted(T), TaskLog.EN.processingStarted(T),
                TaskLog.EN.attemptFailed(1, "Processing started: not a time", T), TaskLog.EN.processingStarted(later),
                TaskLog.processorLine("Processing started: 2020-01-01T00:00:00.000000Z", later));

        assertThat(TaskLog.lastProcessingStarted(logs)).contains(later);
        assertThat(TaskLog.lastProcessingStarted(List.of(TaskLog.EN.taskStarted(T)))).isEmpty();
        assertThat(TaskLog.lastProcessingStarted(List.of("Processing started: garbage"))).isEmpty();
    }

    @Test
    void theTimeALineEndsWithIsReadWhateverItsLanguage() {
        assertThat(TaskLog.timeAtEnd("Zakończono przetwarzanie: 2026-11-27T03:08:40.130367"))
                .contains(Instant.parse("2026-11-27T03:08:40.130367Z"));
        assertThat(TaskLog.timeAtEnd(TaskLog.EN.processingFailed("disk full", T))).contains(T);
        assertThat(TaskLog.timeAtEnd("no time here")).isEmpty();
    }

    @Test
    void aRecoveryLineGivesItsTime() {
        assertThat(TaskLog.recoveredAt(TaskLog.EN.recoveredAfterRestart(T))).contains(T);
        assertThat(TaskLog.recoveredAt(TaskLog.EN.cancelled(T))).isEmpty();
    }
}
