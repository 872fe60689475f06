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
                T0.plusSeconds(2)).withLog("extra", T0.plusSeconds(3)).withVersion(42);

        byte[] packed = CompactTask.encode(done);

        assertThat(CompactTask.decode(packed)).isEqualTo(done);
        assertThat(CompactTask.id(packed)).isEqualTo(done.id());
        assertThat(CompactTask.endedAt(packed)).isEqualTo(T0.plusSeconds(2));
    }

    @Test
    void textWithAnUnpairedSurrogateSurvivesPackingExactly() {
        for (String text : new String[] {"a\ud800b", "\udc00", "end\ud83d", "pair \ud83d\ude00 ok", ""}) {
            VenomTask task = VenomTask.create(UUID.randomUUID(), text, T0).start(T0).complete(text + "!", T0)
                    .withLog(text, T0);

            assertThat(CompactTask.decode(CompactTask.encode(task))).as("%s", text.chars().boxed().toList())
                    .isEqualTo(task);
        }
        assertThat(CompactTask.hasUnpairedSurrogate("pair \ud83d\ude00 ok")).isFalse();
        assertThat(CompactTask.hasUnpairedSurrogate("a\ud800b")).isTrue();
    }

    @Test
    void everyOptionSurvivesPacking() {
        VenomTask task = VenomTask.create(UUID.randomUUID(), new dev.venom.core.model.TaskRequest("o").withPriority(9)
                .withMaxAttempts(4).withRunAt(T0.plusSeconds(3)).withTimeoutMs(250), 1, "key ✓", T0)
                .start(T0.plusSeconds(4)).retry("boom", T0.plusSeconds(9), T0.plusSeconds(5)).withVersion(3);

        byte[] packed = CompactTask.encode(task);

        assertThat(CompactTask.decode(packed)).isEqualTo(task);
        assertThat(CompactTask.createdAt(packed)).isEqualTo(T0);
    }

    @Test
    void requirementsAndProgressSurvivePacking() {
        VenomTask task = VenomTask.create(UUID.randomUUID(), new dev.venom.core.model.TaskRequest("r")
                .withRequires(java.util.Map.of("gpu", "a100", "zone", "eu")), 1, null, T0).start(T0)
                .reportProgress(new dev.venom.core.model.Progress(100, "done ✓"), T0).withVersion(4);
        VenomTask noMessage = task.reportProgress(new dev.venom.core.model.Progress(0, null), T0);

        assertThat(CompactTask.decode(CompactTask.encode(task))).isEqualTo(task);
        assertThat(CompactTask.decode(CompactTask.encode(noMessage))).isEqualTo(noMessage);
    }

    @Test
    void dependenciesAndWhatATaskStillWaitsOnSurvivePacking() {
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        VenomTask waiting = VenomTask.create(UUID.randomUUID(), new dev.venom.core.model.TaskRequest("d")
                .withDependsOn(java.util.List.of(first, second)), 1, null, T0).withVersion(3);
        VenomTask released = waiting.dependencyEnded(first, dev.venom.core.model.TaskStatus.COMPLETED, T0,
                dev.venom.core.model.TaskLog.EN).dependencyEnded(second, dev.venom.core.model.TaskStatus.COMPLETED,
                T0, dev.venom.core.model.TaskLog.EN);

        assertThat(CompactTask.decode(CompactTask.encode(waiting))).isEqualTo(waiting);
        assertThat(CompactTask.decode(CompactTask.encode(released))).isEqualTo(released);
        assertThat(released.waitingOn()).isEmpty();
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

        // As objects: the record (~80 B), UUID (32), four instants (96), list (~40) and five strings (~450).
        assertThat(CompactTask.encode(done).length).isLessThan(270);
    }
}
