package dev.venom.core.persistence.internal.pg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PgEventsTest {

    @Test
    void aLargeBatchIsToldInPayloadsUnderTheLimitAndReadBackUnchanged() {
        List<PgEvents.Change> changes = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            changes.add(new PgEvents.Change(UUID.randomUUID(), i % 2 == 0 ? null : TaskStatus.PROCESSING,
                    TaskStatus.COMPLETED, i, i + 1, Instant.parse("2026-11-27T10:00:00.123456Z").plusSeconds(i), i + 2L));
        }

        List<String> payloads = PgEvents.payloads("0f3a9c21", changes);

        assertThat(payloads).hasSizeGreaterThan(1)
                .allSatisfy(p -> assertThat(p.getBytes(StandardCharsets.UTF_8).length).isLessThan(8000))
                .allSatisfy(p -> assertThat(PgEvents.sender(p)).isEqualTo("0f3a9c21"));
        assertThat(payloads.stream().flatMap(p -> PgEvents.parse(p).stream()).toList()).isEqualTo(changes);
    }

    @Test
    void onlyANewTaskLeftPendingWakesOtherServers() {
        VenomTask created = VenomTask.create(UUID.randomUUID(), "x", Instant.parse("2026-11-27T10:00:00Z"));
        VenomTask startedOnArrival = created.startOnArrival(created.createdAt());

        PgEvents.Change waiting = PgEvents.Change.created(created);
        PgEvents.Change taken = PgEvents.Change.created(startedOnArrival);

        assertThat(waiting.creates()).isTrue();
        assertThat(waiting.version()).isEqualTo(1);
        assertThat(taken.creates()).isFalse();
        assertThat(taken.to()).isEqualTo(TaskStatus.PROCESSING);
        assertThat(taken.logsAfter()).isEqualTo(2);
        assertThat(taken.version()).isEqualTo(2);
    }

    @Test
    void otherPayloadsAreNotEvents() {
        assertThat(PgEvents.sender("probe:node-a:123")).isNull();
        assertThat(PgEvents.sender("new:node-a")).isNull();
        assertThat(PgEvents.parse("ev:node-a:not,a,change;x")).isEmpty();
    }
}
