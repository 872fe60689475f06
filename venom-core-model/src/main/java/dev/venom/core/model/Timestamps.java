package dev.venom.core.model;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The one time format of Venom: UTC, ISO-8601, microseconds, {@code Z}
 * ({@code 2026-11-27T03:08:38.122912Z}). Parsing also accepts the original service's naive
 * timestamps ({@code 2026-11-27T03:08:38.122912}), read as UTC.
 */
public final class Timestamps {

    /** Pattern for {@code @JsonFormat}: prints micros and {@code Z}; fraction and offset optional when read. */
    public static final String PATTERN = "uuuu-MM-dd'T'HH:mm:ss[.SSSSSS][XXX]";

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern(PATTERN).withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    /** Formats {@code instant} as {@code uuuu-MM-ddTHH:mm:ss.SSSSSSZ}. */
    public static String format(Instant instant) {
        return FORMAT.format(instant);
    }

    /** Parses a Venom or original-service timestamp; one without an offset is read as UTC. */
    public static Instant parse(CharSequence text) {
        return FORMAT.parse(text, Instant::from);
    }

    /** Drops what the format cannot carry, so a time survives a round trip through JSON unchanged. */
    public static Instant truncate(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }
}
