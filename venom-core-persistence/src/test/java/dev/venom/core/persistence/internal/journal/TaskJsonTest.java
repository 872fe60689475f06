package dev.venom.core.persistence.internal.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TaskJsonTest {

    private static final ObjectMapper MAPPER = JsonMapper.builder().addModule(new JavaTimeModule()).build();
    private static final Instant T0 = Instant.parse("2026-11-27T03:08:38.122912Z");

    @Test
    void theModelReadsBackEveryTaskUnchanged() throws Exception {
        VenomTask pending = VenomTask.create(UUID.randomUUID(), "Zażółć 🐍 \"q\" \\ \n\t", T0);
        VenomTask failed = pending.start(T0).fail("boom \"x\"", T0.plusSeconds(1));
        VenomTask original = new VenomTask(UUID.randomUUID(), "", T0, TaskStatus.COMPLETED, "r",
                List.of("Zadanie uruchomione: 2026-11-27T03:08:38.123361"), 0, null, 0);
        VenomTask withOptions = VenomTask.create(UUID.randomUUID(), new TaskRequest("o").withPriority(7)
                .withMaxAttempts(3).withRunAt(T0.plusSeconds(60)).withTimeoutMs(1500), 1, "key-1", T0);
        VenomTask retried = withOptions.start(T0).retry("flaky", T0.plusSeconds(5), T0.plusSeconds(1));
        VenomTask cancelled = withOptions.cancel(T0.plusSeconds(2));
        VenomTask waiting = VenomTask.create(UUID.randomUUID(), new TaskRequest("w").withDependsOn(List.of(
                pending.id(), original.id())), 1, null, T0).resolveDependencies(java.util.Map.of(pending.id(),
                TaskStatus.PENDING, original.id(), TaskStatus.COMPLETED), T0, dev.venom.core.model.TaskLog.EN);

        for (VenomTask task : List.of(pending, pending.start(T0), failed, original, withOptions, retried, cancelled,
                waiting)) {
            VenomTask read = MAPPER.readValue(write(task), VenomTask.class);

            assertThat(read).isEqualTo(task);
        }
    }

    @Test
    void aTaskWithoutOptionsIsWrittenAsTheOriginalServiceWroteIt() throws Exception {
        VenomTask done = VenomTask.create(UUID.fromString("351243c8-450b-4295-b0e7-a89c5cd0fabf"), "x", T0)
                .start(T0).complete("r", T0.plusSeconds(2));

        assertThat(write(done)).isEqualTo("{\"id\":\"351243c8-450b-4295-b0e7-a89c5cd0fabf\",\"content\":\"x\","
                + "\"created_at\":\"2026-11-27T03:08:38.122912Z\",\"status\":\"COMPLETED\",\"result\":\"r\","
                + "\"logs\":[\"Task started: 2026-11-27T03:08:38.122912Z\",\"Processing started: "
                + "2026-11-27T03:08:38.122912Z\",\"Processing completed: 2026-11-27T03:08:40.122912Z\"],"
                + "\"attempts\":1,\"finished_at\":\"2026-11-27T03:08:40.122912Z\"}");
    }

    private static String write(VenomTask task) throws Exception {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = MAPPER.getFactory().createGenerator(out)) {
            TaskJson.write(json, task);
        }
        return out.toString();
    }
}
