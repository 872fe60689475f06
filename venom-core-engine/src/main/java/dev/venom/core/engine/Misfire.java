package dev.venom.core.engine;

import java.util.Locale;

/** What a {@link Schedule} does about the times it should have fired while no server ran it. */
public enum Misfire {
    /** They are skipped; the schedule goes on from its next time. */
    SKIP,
    /** One task is created for all of them together, as soon as a server runs again. */
    RUN_ONCE;

    /** As the API writes it: {@code skip}, {@code run_once}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The policy {@code text} names, {@code skip} or {@code run_once} (any case).
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Misfire of(String text) {
        for (Misfire misfire : values()) {
            if (misfire.wire().equalsIgnoreCase(text)) {
                return misfire;
            }
        }
        throw new IllegalArgumentException("misfire must be skip or run_once, was '" + text + "'");
    }
}
