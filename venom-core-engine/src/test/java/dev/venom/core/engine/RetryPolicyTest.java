package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    @Test
    void theDefaultDoublesFromOneSecondWithEqualJitterAndIsCappedAtTenMinutes() {
        RetryPolicy policy = RetryPolicy.DEFAULT;

        for (int i = 0; i < 50; i++) {
            assertThat(policy.delayAfter(1)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
            assertThat(policy.delayAfter(4)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
            assertThat(policy.delayAfter(100)).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(10));
        }
    }

    @Test
    void withoutJitterTheDelayIsExactAndStopsAtTheCap() {
        RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), 0);
        RandomGenerator random = new SplittableRandom(7);

        assertThat(policy.delayAfter(1, random)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.delayAfter(2, random)).isEqualTo(Duration.ofMillis(200));
        assertThat(policy.delayAfter(4, random)).isEqualTo(Duration.ofMillis(800));
        assertThat(policy.delayAfter(5, random)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.delayAfter(Integer.MAX_VALUE, random)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void fullJitterMayTakeTheWholeWaitOff() {
        RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1), 1);
        RandomGenerator alwaysZero = () -> 0L;
        RandomGenerator alwaysHighest = new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0L;
            }

            @Override
            public long nextLong(long bound) {
                return bound - 1;
            }
        };

        assertThat(policy.delayAfter(2, alwaysZero)).isEqualTo(Duration.ZERO);
        assertThat(policy.delayAfter(2, alwaysHighest)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void nonsenseIsRefusedWithPreciseMessages() {
        assertThatThrownBy(() -> new RetryPolicy(Duration.ZERO, Duration.ofSeconds(1), 0.5))
                .hasMessage("retry base must be > 0, was PT0S");
        assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(-1), 0.5))
                .hasMessage("retry cap must be > 0, was PT-1S");
        assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.5))
                .hasMessage("jitter must be 0..1, was 1.5");
        assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), Double.NaN))
                .hasMessage("jitter must be 0..1, was NaN");
    }
}
