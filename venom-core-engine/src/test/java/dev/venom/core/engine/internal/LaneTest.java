package dev.venom.core.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How deep a lane's pipeline is: how far it claims ahead, and how many outcomes may wait for the store. */
class LaneTest {

    private final RecentMean claims = new RecentMean();
    private final Lane lane = new Lane("q", 2, false, claims);

    @Test
    void briefProcessorsHoldAheadWhatTheirSlotsRunWhileAClaimIsOnItsWay() {
        // given two slots whose processors run for 100 us
        lane.ran(TimeUnit.MICROSECONDS.toNanos(100));

        // when claims take 300 us: the two slots run six tasks meanwhile
        claims.took(TimeUnit.MICROSECONDS.toNanos(300));

        // then six may be held ahead
        assertThat(lane.aheadRoom()).isEqualTo(6);
    }

    @Test
    void aheadIsAtLeastOneTaskPerSlotAndAtMostSixteen() {
        lane.ran(TimeUnit.MICROSECONDS.toNanos(100));

        claims.took(0);
        assertThat(lane.aheadRoom()).as("claims that take no time").isEqualTo(2);

        for (int i = 0; i < 100; i++) {
            claims.took(Duration.ofMillis(50).toNanos());
        }
        assertThat(lane.aheadRoom()).as("claims far slower than the runs")
                .isEqualTo(2 * Lane.MOST_AHEAD_PER_SLOT);
    }

    @Test
    void processorsAsSlowAsAClaimIsWorthSavingClaimNothingAhead() {
        claims.took(Duration.ofSeconds(1).toNanos());

        lane.ran(Lane.CLAIM_AHEAD_BELOW.toNanos());

        assertThat(lane.aheadRoom()).isZero();
    }

    @Test
    void aSlotRunsTheNextTaskWhileSixteenOutcomesPerSlotWaitForTheStore() {
        // given outcomes handed over to be written, one slot's run after another
        List<Permit> writing = new ArrayList<>();
        for (int i = 0; i < 2 * Lane.WRITE_BACKS_PER_SLOT; i++) {
            Permit running = lane.slots().tryAcquire().orElseThrow();
            writing.add(running.handOver().orElseThrow());
        }

        // when the window is full, the next outcome keeps its slot until one is written
        Permit running = lane.slots().tryAcquire().orElseThrow();
        assertThat(running.handOver()).isEqualTo(Optional.empty());
        assertThat(lane.slots().taken()).isEqualTo(1);
        writing.get(0).release();
        assertThat(running.handOver()).isPresent();
        assertThat(lane.slots().taken()).isZero();
    }
}
