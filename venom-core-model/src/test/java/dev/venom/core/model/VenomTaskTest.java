package dev.venom.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.List;
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
        assertThatThrownBy(() -> done.requeue("again")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void jsonHasTheOriginalFieldsInOrderAndNoVersion() throws Exception {
        VenomTask task = VenomTask.create(ID, "hello", T0).withVersion(7);

        String json = JSON.writeValueAsString(task);

        assertThat(json).isEqualTo("{\"id\":\"351243c8-450b-4295-b0e7-a89c5cd0fabf\",\"content\":\"hello\","
                + "\"created_at\":\"2026-11-27T03:08:38.122912Z\",\"status\":\"PENDING\",\"result\":null,"
                + "\"logs\":[\"Task started: 2026-11-27T03:08:38.122912Z\"],\"attempts\":0,\"finished_at\":null}");
    }

    @Test
    void jsonRoundTripKeepsEveryField() throws Exception {
        VenomTask task = VenomTask.create(ID, "Zażółć 🐍 \"q\"", T0).start(T0).fail("x", T0);

        VenomTask read = JSON.readValue(JSON.writeValueAsString(task), VenomTask.class);

        assertThat(read).isEqualTo(task.withVersion(0));
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
        assertThat(read.attempts()).isZero();
        assertThat(read.finishedAt()).isNull();
        assertThat(read.endedAt()).contains(read.createdAt());
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
                .containsExactly(TaskStatus.COMPLETED, TaskStatus.FAILED);
    }
}
