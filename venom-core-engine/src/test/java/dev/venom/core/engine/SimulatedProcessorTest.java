package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;

import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SimulatedProcessorTest {

    private final VenomTask task = VenomTask.create(UUID.randomUUID(), "report", Instant.now()).start(Instant.now());

    @Test
    void returnsAtOnceAndCompletesWithTheProcessedContentAfterTheDelay() throws Exception {
        SimulatedProcessor processor = new SimulatedProcessor(Duration.ofMillis(200));

        CompletableFuture<String> result = processor.process(task, mock(TaskContext.class)).toCompletableFuture();

        assertThat(result).isNotDone();
        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("Processed: report");
    }

    @Test
    void zeroDelayCompletesImmediately() {
        assertThat(new SimulatedProcessor(Duration.ZERO).process(task, mock(TaskContext.class)))
                .isCompletedWithValue("Processed: report");
    }

    @Test
    void negativeDelayIsRejected() {
        assertThatThrownBy(() -> new SimulatedProcessor(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("delay must be >= 0");
    }
}
