package dev.venom.core.http.internal;

import java.time.Duration;
import java.util.Map;

/** Reads the built-in processors' settings from the map every {@code TaskProcessorProvider} is given. */
final class ProcessorSettings {

    private ProcessorSettings() {
    }

    /** The milliseconds {@code key} holds, or {@code fallback} when it is absent or blank. */
    static long millis(Map<String, String> settings, String key, Duration fallback) {
        String text = settings.getOrDefault(key, "").trim();
        if (text.isEmpty()) {
            return fallback.toMillis();
        }
        try {
            long millis = Long.parseLong(text);
            if (millis >= 0) {
                return millis;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a number of milliseconds >= 0, was '" + text + "'");
    }
}
