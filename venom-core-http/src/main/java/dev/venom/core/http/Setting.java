package dev.venom.core.http;

import java.util.Map;
import java.util.Objects;

/**
 * One server setting, declared once: its environment key, its flag, its default, how its text is read and
 * what it does. The defaults, the usage text, the README's table and the errors all come from here.
 *
 * @param key          the environment variable ({@code VENOM_PORT})
 * @param flag         the command-line flag without dashes ({@code port}), or null for environment only
 * @param metavar      what the usage text shows after the flag ({@code P}, {@code N}, {@code always|batch|off})
 * @param defaultValue the text used when nothing sets it
 * @param defaultShown how the README shows the default, in Markdown
 * @param doc          what it does, one Markdown line for the README
 * @param parser       reads the text; throws {@link IllegalArgumentException} with the rest of a
 *                     sentence that begins with the key ({@code must be an integer 1..10, was '0'})
 */
record Setting<T>(String key, String flag, String metavar, String defaultValue, String defaultShown, String doc,
                  Parser<T> parser) {

    /** Reads a setting's text. */
    @FunctionalInterface
    interface Parser<T> {
        T parse(String text);
    }

    Setting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(parser, "parser");
    }

    /**
     * The setting's value among {@code values}.
     *
     * @param source where the text came from, for the error
     * @throws ServerConfig.InvalidConfigException naming the key, the text and its source
     */
    T read(Map<String, String> values, String source) {
        try {
            return parser.parse(values.get(key));
        } catch (IllegalArgumentException e) {
            throw new ServerConfig.InvalidConfigException(key + " " + e.getMessage() + " (from " + source + ")");
        }
    }

    /** {@code [--port P]}, or empty for a setting without a flag. */
    String usage() {
        return flag == null ? "" : "[--" + flag + " " + metavar + "]";
    }

    /** The setting's row in the README's table of settings. */
    String readmeRow() {
        return "| `" + key + "` | " + (flag == null ? "(environment only)" : "`--" + flag + "`") + " | "
                + defaultShown + " | " + doc + " |";
    }

    /** Whole numbers {@code min..max}. */
    static Parser<Long> integer(long min, long max) {
        return raw -> {
            String text = raw.trim();
            try {
                long value = Long.parseLong(text);
                if (value >= min && value <= max) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // reported below with the range
            }
            throw new IllegalArgumentException("must be an integer " + min + ".." + max + ", was '" + text + "'");
        };
    }

    /** Any text that is not empty. */
    static Parser<String> nonEmpty() {
        return raw -> {
            String text = raw.trim();
            if (text.isEmpty()) {
                throw new IllegalArgumentException("must not be empty");
            }
            return text;
        };
    }

    /** Text matching {@code regex}, else "must be {@code expected}". */
    static Parser<String> matching(String regex, String expected) {
        return raw -> {
            String text = raw.trim();
            if (!text.matches(regex)) {
                throw new IllegalArgumentException("must be " + expected + ", was '" + text + "'");
            }
            return text;
        };
    }

    /** Any text, empty included, without surrounding blanks. */
    static Parser<String> any() {
        return String::trim;
    }

    /** Any text, exactly as given (a password may begin or end with a blank). */
    static Parser<String> raw() {
        return text -> text;
    }
}
