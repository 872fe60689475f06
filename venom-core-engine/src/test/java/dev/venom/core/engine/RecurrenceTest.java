package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When schedules fire: cron in a zone across daylight-saving changes, six fields, intervals, bad input. */
class RecurrenceTest {

    private static final ZoneId WARSAW = ZoneId.of("Europe/Warsaw");
    private static final Instant ANCHOR = Instant.parse("2026-01-01T00:00:00Z");

    private static Instant warsaw(String localDateTime) {
        return ZonedDateTime.of(java.time.LocalDateTime.parse(localDateTime), WARSAW).toInstant();
    }

    @Test
    void aDailyTimeFiresAtThatWallClockTimeInItsZone() {
        Recurrence nightly = Recurrence.cron("30 2 * * *", "Europe/Warsaw");

        assertThat(nightly.next(2, warsaw("2026-03-20T12:00"), ANCHOR))
                .containsExactly(warsaw("2026-03-21T02:30"), warsaw("2026-03-22T02:30"));
    }

    @Test
    void aTimeTheClocksSkipFiresOnceRightAfterTheJump() {
        // 2026-03-29: at 02:00 CET the clocks go to 03:00 CEST; 02:30 does not exist that night
        Recurrence nightly = Recurrence.cron("30 2 * * *", "Europe/Warsaw");

        List<Instant> fires = nightly.next(3, warsaw("2026-03-28T12:00"), ANCHOR);

        assertThat(fires).containsExactly(Instant.parse("2026-03-29T01:00:00Z"), warsaw("2026-03-30T02:30"),
                warsaw("2026-03-31T02:30"));
    }

    @Test
    void onTheFallBackNightAFixedTimeFiresOnceAndAnHourlyOneAtBothTwoOClocks() {
        // 2026-10-25: at 03:00 CEST the clocks go back to 02:00 CET; 02:00..02:59 happen twice
        Instant evening = warsaw("2026-10-24T23:30");

        List<Instant> nightly = Recurrence.cron("30 2 * * *", "Europe/Warsaw").next(2, evening, ANCHOR);
        List<Instant> hourly = Recurrence.cron("0 * * * *", "Europe/Warsaw").next(5, evening, ANCHOR);

        assertThat(nightly).containsExactly(Instant.parse("2026-10-25T00:30:00Z"), Instant.parse("2026-10-26T01:30:00Z"));
        assertThat(hourly).containsExactly(Instant.parse("2026-10-24T22:00:00Z"), Instant.parse("2026-10-24T23:00:00Z"),
                Instant.parse("2026-10-25T00:00:00Z"), Instant.parse("2026-10-25T01:00:00Z"),
                Instant.parse("2026-10-25T02:00:00Z"));
    }

    @Test
    void minutesSecondsAndIntervals() {
        assertThat(Recurrence.cron("*/15 * * * *", "UTC").next(3, Instant.parse("2026-12-07T10:07:00Z"), ANCHOR))
                .containsExactly(Instant.parse("2026-12-07T10:15:00Z"), Instant.parse("2026-12-07T10:30:00Z"),
                        Instant.parse("2026-12-07T10:45:00Z"));
        assertThat(Recurrence.cron("*/20 * * * * *", "UTC").next(2, Instant.parse("2026-12-07T10:07:00Z"), ANCHOR))
                .containsExactly(Instant.parse("2026-12-07T10:07:20Z"), Instant.parse("2026-12-07T10:07:40Z"));
        assertThat(Recurrence.cron("* * * * * *", "UTC").next(2, Instant.parse("2026-12-07T10:07:00.517768Z"), ANCHOR))
                .containsExactly(Instant.parse("2026-12-07T10:07:01Z"), Instant.parse("2026-12-07T10:07:02Z"));
        assertThat(Recurrence.every(Duration.ofMinutes(10)).next(2, ANCHOR.plusSeconds(61), ANCHOR))
                .containsExactly(ANCHOR.plusSeconds(600), ANCHOR.plusSeconds(1200));
        assertThat(Recurrence.every(Duration.ofMinutes(10)).nextAfter(ANCHOR, ANCHOR)).contains(ANCHOR.plusSeconds(600));
    }

    @Test
    void aBadExpressionZoneOrIntervalIsRefusedSayingWhy() {
        assertThatThrownBy(() -> Recurrence.cron("61 * * * *", "UTC")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cron '61 * * * *' is not valid");
        assertThatThrownBy(() -> Recurrence.cron("* * *", "UTC")).hasMessageContaining("was 3");
        assertThatThrownBy(() -> Recurrence.cron("0 * * * *", "Mars/Olympus"))
                .hasMessageContaining("timezone must be an IANA zone");
        assertThatThrownBy(() -> Recurrence.cron("0 0 30 2 *", "Europe/Warsaw"))
                .hasMessage("cron '0 0 30 2 *' names no time from now on");
        assertThatThrownBy(() -> Recurrence.every(Duration.ofMillis(10))).hasMessage("every_ms must be at least 1000, was 10");
    }

    @Test
    void aWildcardHourRunsAsTheClocksShowAndAFixedTimeSearchedFromLateInTheFallBackHourFiresNoMore() {
        Recurrence halfPast = Recurrence.cron("30 * * * *", "Europe/Warsaw");
        // spring-forward: 01:30 CET, then 03:30 CEST; nothing for the skipped 02:30
        assertThat(halfPast.next(2, warsaw("2026-03-29T01:00"), ANCHOR))
                .containsExactly(warsaw("2026-03-29T01:30"), warsaw("2026-03-29T03:30"));
        // a look just after the first 02:30 (CEST) of the fall-back night finds the next night's, not 02:30 CET
        Instant firstHalfPast = Instant.parse("2026-10-25T00:30:00Z");
        assertThat(Recurrence.cron("30 2 * * *", "Europe/Warsaw").nextAfter(firstHalfPast, ANCHOR))
                .contains(Instant.parse("2026-10-26T01:30:00Z"));
    }
}
