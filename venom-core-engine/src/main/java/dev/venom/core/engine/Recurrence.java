package dev.venom.core.engine;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * When a {@link Schedule} fires: a cron expression in a time zone, or a fixed interval. Immutable.
 */
public sealed interface Recurrence {

    /** The shortest interval of {@link #every}. */
    Duration MIN_INTERVAL = Duration.ofSeconds(1);

    /**
     * The first time it fires strictly after {@code after}; empty if it never does again (a cron expression
     * for a date that has passed).
     *
     * @param anchor when the schedule was created: where an interval's occurrences are counted from
     */
    Optional<Instant> nextAfter(Instant after, Instant anchor);

    /** Up to {@code count} fire times strictly after {@code after}, in order. */
    default List<Instant> next(int count, Instant after, Instant anchor) {
        List<Instant> times = new ArrayList<>(count);
        Instant from = after;
        while (times.size() < count) {
            Optional<Instant> next = nextAfter(from, anchor);
            if (next.isEmpty()) {
                break;
            }
            times.add(next.get());
            from = next.get();
        }
        return times;
    }

    /**
     * A cron expression: five fields ({@code minute hour day-of-month month day-of-week}, as Unix cron) or six
     * (seconds first), read in {@code zone}.
     *
     * @throws IllegalArgumentException naming what is wrong with the expression or the zone
     */
    static Recurrence cron(String expression, String zone) {
        return Cron.parse(expression, zone);
    }

    /**
     * Every {@code interval}, counted from the schedule's creation.
     *
     * @throws IllegalArgumentException if it is shorter than {@link #MIN_INTERVAL}
     */
    static Recurrence every(Duration interval) {
        return new Every(interval);
    }

    /**
     * A cron expression in a zone. Daylight-saving changes behave as Vixie cron's: with a fixed hour, a time
     * the clocks skip (02:30 on a spring-forward night) fires once, right after the change, and a time that
     * happens twice (on the fall-back night) fires once; an expression with a wildcard hour fires at its
     * times as the clocks show them (both 02:00s, none in the skipped hour).
     */
    final class Cron implements Recurrence {

        private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
        private static final CronParser WITH_SECONDS =
                new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING));

        private final String expression;
        private final ZoneId zone;
        /** The parsed expression: when it fires, on the wall clock. */
        private final ExecutionTime execution;
        /** True unless the hour field is a wildcard: whether a time in a skipped hour runs as the clocks jump. */
        private final boolean fixedHour;

        private Cron(String expression, ZoneId zone, ExecutionTime execution, boolean fixedHour) {
            this.expression = expression;
            this.zone = zone;
            this.execution = execution;
            this.fixedHour = fixedHour;
        }

        /** The expression as given (trimmed). */
        public String expression() {
            return expression;
        }

        /** The zone it is read in. */
        public ZoneId zone() {
            return zone;
        }

        static Cron parse(String expression, String zone) {
            Objects.requireNonNull(expression, "expression");
            String trimmed = expression.trim();
            int fields = trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
            if (fields != 5 && fields != 6) {
                throw new IllegalArgumentException("cron must have 5 fields (minute hour day-of-month month "
                        + "day-of-week) or 6 (seconds first), was " + fields + ": '" + expression + "'");
            }
            ZoneId id;
            try {
                id = ZoneId.of(zone);
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("timezone must be an IANA zone such as Europe/Warsaw, was '"
                        + zone + "'");
            }
            Cron parsed;
            try {
                com.cronutils.model.Cron cron = (fields == 5 ? UNIX : WITH_SECONDS).parse(trimmed).validate();
                String hour = trimmed.split("\\s+")[fields == 5 ? 1 : 2];
                parsed = new Cron(trimmed, id, ExecutionTime.forCron(cron), !hour.startsWith("*"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cron '" + expression + "' is not valid: " + e.getMessage());
            }
            if (parsed.execution.nextExecution(ZonedDateTime.now(id)).isEmpty()) {
                throw new IllegalArgumentException("cron '" + expression + "' names no time from now on");
            }
            return parsed;
        }

        /** Equal if the expression and the zone are: the parsed form has no equality of its own. */
        @Override
        public boolean equals(Object other) {
            return other instanceof Cron cron && cron.expression.equals(expression) && cron.zone.equals(zone);
        }

        @Override
        public int hashCode() {
            return Objects.hash(expression, zone);
        }

        @Override
        public String toString() {
            return "cron '" + expression + "' in " + zone;
        }

        @Override
        public Optional<Instant> nextAfter(Instant after, Instant anchor) {
            // from a whole second: cron times are, and the parser would carry a fraction over to the next one
            Instant from = after.truncatedTo(ChronoUnit.SECONDS);
            Optional<Instant> next = execution.nextExecution(from.atZone(zone)).map(ZonedDateTime::toInstant);
            if (next.isEmpty() || !fixedHour) {
                return next; // a time in an hour the clocks skip runs as Vixie cron runs it: only for a fixed hour
            }
            ZoneRules rules = zone.getRules();
            for (ZoneOffsetTransition change = rules.nextTransition(from);
                 change != null && !change.getInstant().isAfter(next.get());
                 change = rules.nextTransition(change.getInstant())) {
                if (change.isGap() && firesWithin(change.getDateTimeBefore(), change.getDateTimeAfter())) {
                    return Optional.of(change.getInstant()); // the skipped wall time runs as the clocks jump
                }
            }
            return next;
        }

        /** True if the expression names a wall-clock time in [{@code from}, {@code to}). */
        private boolean firesWithin(LocalDateTime from, LocalDateTime to) {
            return execution.nextExecution(from.minusNanos(1).atZone(ZoneOffset.UTC))
                    .map(wall -> wall.toLocalDateTime().isBefore(to)).orElse(false);
        }
    }

    /** A fixed interval from the schedule's creation. */
    record Every(Duration interval) implements Recurrence {

        public Every {
            Objects.requireNonNull(interval, "interval");
            if (interval.compareTo(MIN_INTERVAL) < 0) {
                throw new IllegalArgumentException("every_ms must be at least " + MIN_INTERVAL.toMillis() + ", was "
                        + interval.toMillis());
            }
        }

        @Override
        public Optional<Instant> nextAfter(Instant after, Instant anchor) {
            long step = interval.toMillis();
            long since = Duration.between(anchor, after).toMillis();
            long count = since < 0 ? 0 : since / step + 1;
            return Optional.of(anchor.plusMillis(count * step));
        }
    }
}
