package dev.venom.core.model;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * The one time format of Venom: UTC, ISO-8601, microseconds, {@code Z}
 * ({@code 2026-11-27T03:08:38.122912Z}). Parsing also accepts the original service's naive
 * timestamps ({@code 2026-11-27T03:08:38.122912}), read as UTC, and any fraction or offset. Both
 * directions avoid {@link DateTimeFormatter} on the common path: they run for every task loaded.
 */
public final class Timestamps {

    private static final DateTimeFormatter LENIENT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss[.SSSSSSSSS][.SSSSSS][.SSS][XXX]")
                    .withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    /** Formats {@code instant} as {@code uuuu-MM-ddTHH:mm:ss.SSSSSSZ}. */
    public static String format(Instant instant) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), 0, ZoneOffset.UTC);
        int year = t.getYear();
        if (year < 0 || year > 9999) {
            return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MICROS));
        }
        char[] c = new char[27];
        put(c, 0, year, 4);
        c[4] = '-';
        put(c, 5, t.getMonthValue(), 2);
        c[7] = '-';
        put(c, 8, t.getDayOfMonth(), 2);
        c[10] = 'T';
        put(c, 11, t.getHour(), 2);
        c[13] = ':';
        put(c, 14, t.getMinute(), 2);
        c[16] = ':';
        put(c, 17, t.getSecond(), 2);
        c[19] = '.';
        put(c, 20, instant.getNano() / 1000, 6);
        c[26] = 'Z';
        return new String(c);
    }

    /**
     * Parses a Venom or original-service timestamp; one without an offset is read as UTC.
     *
     * @throws DateTimeParseException if {@code text} is not such a timestamp
     */
    public static Instant parse(CharSequence text) {
        Instant fast = parseCommon(text);
        return fast != null ? fast : LENIENT.parse(text, Instant::from);
    }

    /** Drops what the format cannot carry, so a time survives a round trip through JSON unchanged. */
    public static Instant truncate(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }

    /** {@code uuuu-MM-ddTHH:mm:ss}, optional {@code .} and 1-9 digits, optional {@code Z}; else null. */
    private static Instant parseCommon(CharSequence s) {
        int n = s.length();
        if (n < 19 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && i - start < 9 && Character.isDigit(s.charAt(i))) {
                nanos = nanos * 10 + (s.charAt(i) - '0');
                i++;
            }
            if (i == start) {
                return null;
            }
            for (int k = i - start; k < 9; k++) {
                nanos *= 10;
            }
        }
        if (i < n && s.charAt(i) == 'Z') {
            i++;
        }
        if (i != n) {
            return null;
        }
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second, nanos).toInstant(ZoneOffset.UTC);
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static int digits(CharSequence s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            value = value * 10 + (ch - '0');
        }
        return value;
    }

    private static void put(char[] c, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
