package dev.venom.core.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.model.VenomTask;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CompactTaskTest {

    private static final Instant T0 = Instant.parse("2026-11-27T03:08:38.122912Z");

    @Test
    void aFinishedTaskSurvivesPackingUnchanged() {
        VenomTask done = VenomTask.create(UUID.randomUUID(), "Zażółć 🐍 \"q\"", T0).start(T0).complete("wynik ✓",
                T0.plusSeconds(2)).withLog("extra").withVersion(42);

        byte[] packed = CompactTask.encode(done);

        assertThat(CompactTask.decode(packed)).isEqualTo(done);
        assertThat(CompactTask.id(packed)).isEqualTo(done.id());
        assertThat(CompactTask.endedAt(packed)).isEqualTo(T0.plusSeconds(2));
    }

    @Test
    void nullResultAndMissingFinishTimeOfTheOriginalServiceArePreserved() {
        VenomTask original = new VenomTask(UUID.randomUUID(), "", T0, dev.venom.core.model.TaskStatus.COMPLETED, null,
                List.of(), 0, null, 0);

        byte[] packed = CompactTask.encode(original);

        assertThat(CompactTask.decode(packed)).isEqualTo(original);
        assertThat(CompactTask.endedAt(packed)).isEqualTo(T0);
    }

    @Test
    void packingIsMuchSmallerThanTheObjectGraph() {
        VenomTask done = VenomTask.create(UUID.randomUUID(), "task 123456", T0).start(T0).complete("Processed: task 123456", T0);

        assertThat(CompactTask.encode(done).length).isLessThan(260);
    }
}
