package dev.venom.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class VenomTaskTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule()).build();
    private static final UUID ID = UUID.fromString("351243c8-450b-4295-b0e7-a89c5cd0fabf");
    private static final Instant T0 = Instant.parse("2026-11-27T03:08:38.122912345Z");

    @Test
    void createdTaskIsPendingWithStartLogAndMicrosecondTime() {
        VenomTask task = VenomTask.create(ID, "hello", T0);

        assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(task.result()).isNull();
        assertThat(task.createdAt()).isEqualTo(Instant.parse("2026-11-27T03:08:38.122912Z"));
        assertThat(task.logs()).containsExactly("Task started: 2026-11-27T03:08:38.122912Z");
    }

    @Test
    void lifeChangesStatusResultAndLogTogether() {
        VenomTask done = VenomTask.create(ID, "x", T0)
                .start(T0.plusSeconds(1))
                .complete("Processed: x", T0.plusSeconds(3));

        assertThat(done.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(done.attempts()).isEqualTo(1);
        assertThat(done.finishedAt()).isEqualTo(Instant.parse("2026-11-27T03:08:41.122912Z"));
        assertThat(done.endedAt()).contains(done.finishedAt());
        assertThat(done.result()).isEqualTo("Processed: x");
        assertThat(done.logs()).containsExactly(
                "Task started: 2026-11-27T03:08:38.122912Z",
                "Processing started: 2026-11-27T03:08:39.122912Z",
                "Processing completed: 2026-11-27T03:08:41.122912Z");
    }

    @Test
    void failureSetsErrorResultAndFailureLog() {
        VenomTask failed = VenomTask.create(ID, "x", T0).start(T0).fail("boom", T0);

        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.result()).isEqualTo("Error: boom");
        assertThat(failed.logs()).last().isEqualTo("Processing failed: boom - 2026-11-27T03:08:38.122912Z");
    }

    @Test
    void transitionsFromTheWrongStatusAreRejectedWithTheTaskId() {
        VenomTask pending = VenomTask.create(ID, "x", T0);

        assertThatThrownBy(() -> pending.complete("r", T0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(ID.toString())
                .hasMessageContaining("PENDING");
        VenomTask done = pending.start(T0).complete("r", T0);
        assertThatThrownBy(() -> done.requeue("again", T0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> done.cancel(T0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already COMPLETED");
    }

    @Test
    void requestOptionsBecomeTaskFieldsAndDefaultsApplyWhenUnset() {
        TaskRequest request = new TaskRequest("x").withPriority(7).withMaxAttempts(3)
                .withRunAt(T0.plusSeconds(60)).withTimeoutMs(1500);

        VenomTask task = VenomTask.create(ID, request, 5, "key-1", T0);
        VenomTask plain = VenomTask.create(ID, new TaskRequest("x"), 5, null, T0);

        assertThat(task.priority()).isEqualTo(7);
        assertThat(task.maxAttempts()).isEqualTo(3);
        assertThat(task.runAt()).isEqualTo(Instant.parse("2026-11-27T03:09:38.122912Z"));
        assertThat(task.timeoutMs()).isEqualTo(1500L);
        assertThat(task.idempotencyKey()).isEqualTo("key-1");
        assertThat(task.isDue(T0)).isFalse();
        assertThat(task.isDue(T0.plusSeconds(60))).isTrue();
        assertThat(plain.priority()).isZero();
        assertThat(plain.maxAttempts()).isEqualTo(5);
        assertThat(plain.runAt()).isNull();
        assertThat(plain.timeoutMs()).isNull();
        assertThat(plain.isDue(T0)).isTrue();
    }

    @Test
    void outOfRangeOptionsAreRejectedNamingTheField() {
        assertThatThrownBy(() -> new TaskRequest("x").withPriority(12))
                .hasMessage("priority must be 0..9, was 12");
        assertThatThrownBy(() -> new TaskRequest("x").withMaxAttempts(0))
                .hasMessage("max_attempts must be 1..100, was 0");
        assertThatThrownBy(() -> new TaskRequest("x").withTimeoutMs(0))
                .hasMessage("timeout_ms must be 1..604800000, was 0");
    }

    @Test
    void failedAttemptWithAttemptsLeftIsScheduledAgainThenTheLastOneFails() {
        VenomTask first = VenomTask.create(ID, new TaskRequest("x").withMaxAttempts(2), 1, null, T0).start(T0);

        VenomTask retried = first.retry("boom", T0.plusSeconds(10), T0.plusSeconds(1));
        VenomTask last = retried.start(T0.plusSeconds(10));

        assertThat(retried.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(retried.result()).isNull();
        assertThat(retried.runAt()).isEqualTo(T0.plusSeconds(10).truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        assertThat(retried.logs()).endsWith("Attempt 1 failed: boom - 2026-11-27T03:08:39.122912Z",
                "Retry scheduled: attempt 2 of 2 at 2026-11-27T03:08:48.122912Z");
        assertThat(last.attempts()).isEqualTo(2);
        assertThat(last.hasAttemptsLeft()).isFalse();
        assertThatThrownBy(() -> last.retry("again", T0, T0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("attempt 2 of 2 was the last");
    }

    @Test
    void cancelEndsAPendingOrRunningTaskWithItsLogLine() {
        VenomTask pending = VenomTask.create(ID, "x", T0);

        VenomTask cancelled = pending.start(T0).cancel(T0.plusSeconds(1));

        assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelled.status().isTerminal()).isTrue();
        assertThat(cancelled.result()).isNull();
        assertThat(cancelled.finishedAt()).isEqualTo(cancelled.updatedAt());
        assertThat(cancelled.logs()).last().isEqualTo("Cancelled: 2026-11-27T03:08:39.122912Z");
        assertThat(pending.cancel(T0).status()).isEqualTo(TaskStatus.CANCELLED);
    }

    @Test
    void idempotentRepeatMatchesOnlyTheSameRequest() {
        TaskRequest request = new TaskRequest("x").withPriority(3);
        VenomTask task = VenomTask.create(ID, request, 2, "k", T0);

        assertThat(request.matches(task, 2)).isTrue();
        assertThat(new TaskRequest("x").withPriority(3).withMaxAttempts(2).matches(task, 2)).isTrue();
        assertThat(new TaskRequest("y").withPriority(3).matches(task, 2)).isFalse();
        assertThat(new TaskRequest("x").matches(task, 2)).isFalse();
        assertThat(request.withTimeoutMs(5).matches(task, 2)).isFalse();
        assertThat(request.withQueue("other").matches(task, 2)).isFalse();
    }

    @Test
    void aQueueNameIsLowerCaseLettersDigitsDashesAndUnderscoresUpTo64() {
        assertThat(new TaskRequest("x").withQueue("gpu_a-100").queueOrDefault()).isEqualTo("gpu_a-100");
        assertThat(new TaskRequest("x").queueOrDefault()).isEqualTo(TaskRequest.DEFAULT_QUEUE);
        assertThatThrownBy(() -> new TaskRequest("x").withQueue("Urgent"))
                .hasMessage("queue must match [a-z0-9_-]{1,64}; character 1 is 'U'");
        assertThatThrownBy(() -> new TaskRequest("x").withQueue(""))
                .hasMessage("queue must be 1..64 characters, was 0");
        assertThatThrownBy(() -> new TaskRequest("x").withQueue("q".repeat(65)))
                .hasMessage("queue must be 1..64 characters, was 65");
    }

    @Test
    void aPurgedTaskIsCancelledWithItsPurgeLine() {
        VenomTask purged = VenomTask.create(ID, "hello", T0).purge(T0.plusSeconds(1), TaskLog.EN);

        assertThat(purged.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(purged.logs()).last().isEqualTo("Purged: 2026-11-27T03:08:39.122912Z");
        assertThat(purged.finishedAt()).isEqualTo(Timestamps.truncate(T0.plusSeconds(1)));
        assertThatThrownBy(() -> purged.purge(T0, TaskLog.EN)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void jsonHasTheOriginalFieldsFirstThenTheOptionsInOrderAndNoVersion() throws Exception {
        VenomTask task = VenomTask.create(ID, "hello", T0).withVersion(7);

        String json = JSON.writeValueAsString(task);

        assertThat(json).isEqualTo("{\"id\":\"351243c8-450b-4295-b0e7-a89c5cd0fabf\",\"content\":\"hello\","
                + "\"created_at\":\"2026-11-27T03:08:38.122912Z\",\"status\":\"PENDING\",\"result\":null,"
                + "\"logs\":[\"Task started: 2026-11-27T03:08:38.122912Z\"],\"priority\":0,\"attempts\":0,"
                + "\"max_attempts\":1,\"run_at\":null,\"timeout_ms\":null,\"idempotency_key\":null,"
                + "\"queue\":\"default\",\"updated_at\":\"2026-11-27T03:08:38.122912Z\",\"finished_at\":null,"
                + "\"requires\":{},\"progress\":null,\"depends_on\":[],\"waiting_on\":[]}");
    }

    @Test
    void requirementsAndProgressReadBackFromJsonAndANewAttemptClearsTheProgress() throws Exception {
        VenomTask task = VenomTask.create(ID, new TaskRequest("render").withRequires(Map.of("gpu", "a100")), 2, null,
                T0).start(T0).reportProgress(new Progress(40, "halfway"), T0.plusSeconds(1));

        VenomTask read = JSON.readValue(JSON.writeValueAsString(task), VenomTask.class);

        assertThat(read).isEqualTo(task.withVersion(0));
        assertThat(JSON.writeValueAsString(task)).endsWith(
                "\"requires\":{\"gpu\":\"a100\"},\"progress\":{\"percent\":40,\"message\":\"halfway\"},"
                        + "\"depends_on\":[],\"waiting_on\":[]}");
        VenomTask retried = task.retry("oops", T0.plusSeconds(2), T0.plusSeconds(2), TaskLog.EN);
        assertThat(retried.progress()).isEqualTo(new Progress(40, "halfway"));
        assertThat(retried.start(T0.plusSeconds(3)).progress()).isNull();
        assertThatThrownBy(() -> new Progress(101, null)).hasMessage("progress must be 0..100, was 101");
        assertThatThrownBy(() -> new TaskRequest("x").withRequires(Map.of("bad name", "v")))
                .hasMessage("requires name must match [A-Za-z0-9_.-]{1,64}, was 'bad name'");
    }

    @Test
    void jsonRoundTripKeepsEveryField() throws Exception {
        VenomTask task = VenomTask.create(ID, "Zażółć 🐍 \"q\"", T0).start(T0).fail("x", T0);
        VenomTask options = VenomTask.create(ID, new TaskRequest("o").withPriority(9).withMaxAttempts(4)
                .withRunAt(T0.plusSeconds(3)).withTimeoutMs(250), 1, "key", T0).start(T0.plusSeconds(4));

        for (VenomTask written : List.of(task, options)) {
            VenomTask read = JSON.readValue(JSON.writeValueAsString(written), VenomTask.class);

            assertThat(read).isEqualTo(written.withVersion(0));
        }
    }

    @Test
    void readsTheOriginalServicesNaiveTimestampAsUtcAndIgnoresUnknownFields() throws Exception {
        String original = "{\"id\":\"351243c8-450b-4295-b0e7-a89c5cd0fabf\",\"content\":\"Napisz raport\","
                + "\"created_at\":\"2026-11-27T03:08:38.122912\",\"status\":\"COMPLETED\","
                + "\"result\":\"Przetworzono: Napisz raport\",\"logs\":[\"Zadanie uruchomione: x\"],\"extra\":1}";

        VenomTask read = JSON.readValue(original, VenomTask.class);

        assertThat(read.createdAt()).isEqualTo(Instant.parse("2026-11-27T03:08:38.122912Z"));
        assertThat(read.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(read.logs()).containsExactly("Zadanie uruchomione: x");
        assertThat(read.attempts()).as("the original finished it: it ran once").isEqualTo(1);
        assertThat(read.finishedAt()).as("its last line carries no time").isNull();
        assertThat(read.endedAt()).contains(read.createdAt());
        assertThat(read.priority()).isZero();
        assertThat(read.maxAttempts()).isEqualTo(1);
        assertThat(read.updatedAt()).isEqualTo(read.createdAt());
    }

    @Test
    void aTaskTheOriginalFinishedRanOnceAndEndedAtItsLastLinesTime() throws Exception {
        String original = "{\"id\":\"351243c8-450b-4295-b0e7-a89c5cd0fabf\",\"content\":\"x\","
                + "\"created_at\":\"2026-11-27T03:08:38.122912\",\"status\":\"FAILED\",\"result\":\"Błąd: boom\","
                + "\"logs\":[\"Zadanie uruchomione: 2026-11-27T03:08:38.123361\","
                + "\"Błąd przetwarzania: boom - 2026-11-27T03:08:40.130367\"]}";
        String waiting = original.replace("\"FAILED\"", "\"PENDING\"");

        VenomTask failed = JSON.readValue(original, VenomTask.class);
        VenomTask pending = JSON.readValue(waiting, VenomTask.class);

        assertThat(failed.attempts()).isEqualTo(1);
        assertThat(failed.finishedAt()).isEqualTo(Instant.parse("2026-11-27T03:08:40.130367Z"));
        assertThat(pending.attempts()).isZero();
        assertThat(pending.finishedAt()).isNull();
    }

    @Test
    void aTaskOfThePreviousFormatThatRanManyTimesStillReads() throws Exception {
        String previous = "{\"id\":\"351243c8-450b-4295-b0e7-a89c5cd0fabf\",\"content\":\"x\","
                + "\"created_at\":\"2026-11-27T03:08:38.122912Z\",\"status\":\"PENDING\",\"result\":null,"
                + "\"logs\":[],\"attempts\":150,\"finished_at\":null}";

        VenomTask read = JSON.readValue(previous, VenomTask.class);

        assertThat(read.attempts()).isEqualTo(150);
        assertThat(read.maxAttempts()).isEqualTo(1);
        assertThat(read.hasAttemptsLeft()).isFalse();
    }

    @Test
    void timestampsParseWithAndWithoutFractionOrOffset() {
        assertThat(Timestamps.parse("2026-11-27T03:08:38")).isEqualTo(Instant.parse("2026-11-27T03:08:38Z"));
        assertThat(Timestamps.parse("2026-11-27T03:08:38.000001Z"))
                .isEqualTo(Instant.parse("2026-11-27T03:08:38.000001Z"));
        assertThat(Timestamps.parse("2026-11-27T05:08:38.000001+02:00"))
                .isEqualTo(Instant.parse("2026-11-27T03:08:38.000001Z"));
        assertThat(Timestamps.format(Instant.parse("2026-11-27T03:08:38Z"))).isEqualTo("2026-11-27T03:08:38.000000Z");
    }

    @Test
    void responseNamesTheTaskIdAsTheOriginalDid() throws Exception {
        assertThat(JSON.writeValueAsString(TaskResponse.of(VenomTask.create(ID, "x", T0))))
                .isEqualTo("{\"task_id\":\"351243c8-450b-4295-b0e7-a89c5cd0fabf\",\"status\":\"PENDING\"}");
        assertThat(List.of(TaskStatus.values())).filteredOn(TaskStatus::isTerminal)
                .containsExactly(TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED);
    }

    @Test
    void aDependentWaitsOnWhatHasNotCompletedAndIsReleasedOrCancelledAsItsDependenciesEnd() throws Exception {
        UUID done = UUID.randomUUID();
        UUID running = UUID.randomUUID();
        UUID pending = UUID.randomUUID();
        VenomTask created = VenomTask.create(ID, new TaskRequest("d").withDependsOn(List.of(done, running, pending)),
                1, null, T0);

        VenomTask waiting = created.resolveDependencies(Map.of(done, TaskStatus.COMPLETED,
                running, TaskStatus.PROCESSING, pending, TaskStatus.PENDING), T0, TaskLog.EN);
        VenomTask stillWaiting = waiting.dependencyEnded(running, TaskStatus.COMPLETED, T0.plusSeconds(1), TaskLog.EN);
        VenomTask released = stillWaiting.dependencyEnded(pending, TaskStatus.COMPLETED, T0.plusSeconds(2),
                TaskLog.EN);
        VenomTask cancelled = stillWaiting.dependencyEnded(pending, TaskStatus.FAILED, T0.plusSeconds(2),
                TaskLog.EN);

        assertThat(waiting.waitingOn()).containsExactly(running, pending);
        assertThat(waiting.isWaiting()).isTrue();
        assertThat(waiting.isDue(T0.plusSeconds(60))).isFalse();
        assertThatThrownBy(() -> waiting.start(T0)).hasMessageContaining("it waits on");
        assertThat(stillWaiting.waitingOn()).containsExactly(pending);
        assertThat(stillWaiting.logs()).hasSize(1);
        assertThat(released.isDue(T0.plusSeconds(2))).isTrue();
        assertThat(released.dependsOn()).containsExactly(done, running, pending);
        assertThat(released.logs()).last().isEqualTo("Dependencies completed: 2026-11-27T03:08:40.122912Z");
        assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelled.waitingOn()).isEmpty();
        assertThat(cancelled.logs()).last()
                .isEqualTo("Dependency " + pending + " ended FAILED: 2026-11-27T03:08:40.122912Z");
        assertThat(JSON.readValue(JSON.writeValueAsString(stillWaiting), VenomTask.class))
                .isEqualTo(stillWaiting.withVersion(0));
    }

    @Test
    void aDependentOfAnEndedTaskIsCancelledAsItIsStoredAndDependenciesAreChecked() {
        UUID failed = UUID.randomUUID();
        VenomTask created = VenomTask.create(ID, new TaskRequest("d").withDependsOn(List.of(failed)), 1, null, T0);

        VenomTask stored = created.resolveDependencies(Map.of(failed, TaskStatus.CANCELLED), T0, TaskLog.PL);

        assertThat(stored.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(stored.logs()).last().asString().startsWith("Zależność " + failed + " zakończona jako CANCELLED");
        assertThatThrownBy(() -> new TaskRequest("x").withDependsOn(List.of(failed, failed)))
                .hasMessage("depends_on names task " + failed + " twice");
        assertThatThrownBy(() -> new TaskRequest("x").withDependsOn(java.util.stream.Stream.generate(UUID::randomUUID)
                .limit(101).toList())).hasMessage("depends_on names at most 100 tasks, was 101");
        assertThatThrownBy(() -> created.startOnArrival(T0)).hasMessageContaining("with dependencies");
    }
}
