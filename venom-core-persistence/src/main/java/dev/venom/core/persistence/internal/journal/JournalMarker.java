package dev.venom.core.persistence.internal.journal;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The journal line a restart writes instead of one line per recovered task:
 * {@code {"recovered":"Recovered after restart: <time>"}}. Replaying it returns every task unfinished at
 * that point to PENDING with that log line, exactly as the restart did, in O(1) journal bytes.
 */
final class JournalMarker {

    private static final byte[] PREFIX = "{\"recovered\":".getBytes(StandardCharsets.UTF_8);
    private static final Pattern LINE = Pattern.compile("\\{\"recovered\":\"([^\"\\\\]*)\"}");

    private JournalMarker() {
    }

    static byte[] encode(String logLine) {
        if (logLine.indexOf('"') >= 0 || logLine.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("a recovery line needs no escaping, was: " + logLine);
        }
        return ("{\"recovered\":\"" + logLine + "\"}\n").getBytes(StandardCharsets.UTF_8);
    }

    static boolean isMarker(byte[] bytes, int offset, int length) {
        return length > PREFIX.length
                && java.util.Arrays.equals(bytes, offset, offset + PREFIX.length, PREFIX, 0, PREFIX.length);
    }

    static String logLine(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a recovery marker: " + line);
        }
        return m.group(1);
    }
}
