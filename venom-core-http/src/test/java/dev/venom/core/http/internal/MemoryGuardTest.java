package dev.venom.core.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MemoryGuardTest {

    private static final long MIB = 1 << 20;

    @Test
    void bodiesInFlightShareABudgetOfASixteenthOfTheHeapAndGiveItBack() {
        MemoryGuard guard = new MemoryGuard(64 * MIB, MIB, 0.9); // a 4 MiB budget

        assertThat(guard.reserve(MIB)).isTrue();
        assertThat(guard.reserve(2 * MIB)).isTrue();
        assertThat(guard.reserve(MIB)).isTrue();
        assertThat(guard.reserve(1)).as("the budget is spent").isFalse();

        guard.release(2 * MIB);
        assertThat(guard.reserve(2 * MIB)).isTrue();
    }

    @Test
    void aSingleBodyUpToTheLimitIsAlwaysAdmittedWhenNothingElseIsInFlight() {
        MemoryGuard guard = new MemoryGuard(8 * MIB, 2 * MIB, 0.9); // a sixteenth would be 0.5 MiB

        assertThat(guard.reserve(2 * MIB)).isTrue();
        assertThat(guard.reserve(1)).isFalse();
    }

    @Test
    void newTasksAreRefusedWhileTheHeapIsNearlyFullAfterACollection() {
        MemoryGuard guard = new MemoryGuard(100 * MIB, MIB, 0.9);

        guard.heapUsedAfterCollection(80 * MIB);
        assertThat(guard.problem()).isEmpty();

        guard.heapUsedAfterCollection(95 * MIB);
        assertThat(guard.problem()).get().asString()
                .isEqualTo("the heap is 95% full after the last garbage collection (new tasks are refused above 90%)");

        guard.heapUsedAfterCollection(40 * MIB);
        assertThat(guard.problem()).isEmpty();
    }

    @Test
    void aHeapLimitOutsideZeroToOneIsRefused() {
        assertThatThrownBy(() -> new MemoryGuard(MIB, MIB, 1.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("heapLimit must be in (0, 1], was 1.5");
    }
}
