package dev.venom.core.http.internal.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Refusals of one address recorded at a bounded rate, and the next one recorded counts those that were not. */
class RefusalLimitTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final RefusalLimit limit = new RefusalLimit(3, now::get);

    @Test
    void aFloodFromOneAddressIsCountedNotRecorded() {
        for (int i = 0; i < 3; i++) {
            assertThat(limit.admit("10.0.0.1")).isZero();
        }
        for (int i = 0; i < 100; i++) {
            assertThat(limit.admit("10.0.0.1")).isEqualTo(-1);
        }
        assertThat(limit.admit("10.0.0.2")).as("another address").isZero();

        now.addAndGet(1_100_000_000L);
        assertThat(limit.admit("10.0.0.1")).as("the next window says how many were not recorded").isEqualTo(100);
        assertThat(limit.admit("10.0.0.1")).isZero();
    }
}
