package dev.venom.core.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.http.internal.ClientDeadline.Verdict;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClientDeadlineTest {

    private static final long MS = 1_000_000;
    private final ClientDeadline deadline = new ClientDeadline(Duration.ofMillis(100), Duration.ofMillis(1_000), 0);

    @Test
    void aRequestBegunMustArriveWholeWithinTheRequestTimeoutEvenIfItTrickles() {
        deadline.received(10 * MS);
        for (long at = 20; at <= 110; at += 10) {
            deadline.received(at * MS); // a byte every 10 ms: never a long gap
        }

        assertThat(deadline.verdict(110 * MS, true)).isEqualTo(Verdict.WAIT);
        assertThat(deadline.verdict(111 * MS, true)).isEqualTo(Verdict.REQUEST_TOO_SLOW);
    }

    @Test
    void aRequestReceivedWholeIsNeverCutWhileItIsBeingAnswered() {
        deadline.received(10 * MS);

        // the server does not read: it works on the answer
        assertThat(deadline.verdict(5_000 * MS, false)).isEqualTo(Verdict.WAIT);
    }

    @Test
    void anAnswerEndsTheRequestAndTheNextWaitIsTheIdleTimeouts() {
        deadline.received(10 * MS);
        deadline.sent(20 * MS);

        assertThat(deadline.verdict(500 * MS, true)).isEqualTo(Verdict.WAIT);
        assertThat(deadline.verdict(1_021 * MS, true)).isEqualTo(Verdict.IDLE_TOO_LONG);

        deadline.received(1_000 * MS);
        assertThat(deadline.verdict(1_100 * MS, true)).isEqualTo(Verdict.WAIT);
        assertThat(deadline.verdict(1_101 * MS, true)).isEqualTo(Verdict.REQUEST_TOO_SLOW);
    }

    @Test
    void anExemptConnectionWaitsForever() {
        deadline.received(10 * MS);
        deadline.exempt();
        deadline.received(20 * MS);

        assertThat(deadline.verdict(10_000 * MS, true)).isEqualTo(Verdict.WAIT);
        assertThat(deadline.phase()).isEqualTo(ClientDeadline.Phase.EXEMPT);
    }
}
