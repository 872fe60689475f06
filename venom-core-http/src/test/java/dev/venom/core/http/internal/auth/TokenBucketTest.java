package dev.venom.core.http.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The per-caller token bucket, on a clock the test moves. */
class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void aBurstOfTheRateIsAllowedThenOnePerTokenTime() {
        TokenBucket bucket = new TokenBucket(4, 0);
        for (int i = 0; i < 4; i++) {
            assertThat(bucket.take(0)).as("request %d of the burst", i).isZero();
        }
        assertThat(bucket.take(0)).as("the fifth waits a token's time").isEqualTo(SECOND / 4);
        assertThat(bucket.take(SECOND / 4)).as("one token back after a quarter second").isZero();
        assertThat(bucket.take(SECOND / 4)).isPositive();
    }

    @Test
    void anIdleBucketFillsUpAgainButNoFurther() {
        TokenBucket bucket = new TokenBucket(2, 0);
        bucket.take(0);
        bucket.take(0);
        assertThat(bucket.isFull(0)).isFalse();
        assertThat(bucket.isFull(SECOND)).isTrue();
        long later = 10 * SECOND;
        assertThat(bucket.take(later)).isZero();
        assertThat(bucket.take(later)).isZero();
        assertThat(bucket.take(later)).as("a long rest gives no more than the burst").isPositive();
    }
}
