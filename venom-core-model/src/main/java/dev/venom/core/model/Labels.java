package dev.venom.core.model;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Labels of a remote worker and the requirements of a task, both {@code name -> value} maps
 * ({@code {"gpu": "a100"}}): a worker may run a task when every requirement is among its labels.
 */
public final class Labels {

    /** The most entries a task's requirements or a worker's labels may have. */
    public static final int MAX_ENTRIES = 32;
    public static final int MAX_NAME_LENGTH = 64;
    public static final int MAX_VALUE_LENGTH = 256;
    /** The names a label may have. */
    public static final String NAME_PATTERN = "^[A-Za-z0-9_.-]{1," + MAX_NAME_LENGTH + "}$";
    private static final Pattern NAME = Pattern.compile(NAME_PATTERN);

    private Labels() {
    }

    /**
     * Checks {@code labels} ({@code what} names them in messages: "requires", "labels") and returns them as an
     * unmodifiable map sorted by name; null gives the empty map.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Map<String, String> check(String what, Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return Map.of();
        }
        if (labels.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException(what + " may have at most " + MAX_ENTRIES + " entries, had "
                    + labels.size());
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        labels.forEach((name, value) -> {
            Objects.requireNonNull(name, what + " name");
            if (!isName(name)) {
                throw new IllegalArgumentException(what + " name must match [A-Za-z0-9_.-]{1," + MAX_NAME_LENGTH
                        + "}, was '" + name + "'");
            }
            if (value == null || value.isEmpty() || value.length() > MAX_VALUE_LENGTH) {
                throw new IllegalArgumentException(what + " value of '" + name + "' must be 1.." + MAX_VALUE_LENGTH
                        + " characters");
            }
            sorted.put(name, value);
        });
        return java.util.Collections.unmodifiableMap(sorted);
    }

    /** True if {@code name} may name a label ({@link #NAME_PATTERN}). */
    public static boolean isName(String name) {
        return NAME.matcher(name).matches();
    }

    /** True if every requirement in {@code requires} is among {@code labels}. */
    public static boolean satisfy(Map<String, String> labels, Map<String, String> requires) {
        for (Map.Entry<String, String> required : requires.entrySet()) {
            if (!required.getValue().equals(labels.get(required.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
