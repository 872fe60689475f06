package dev.venom.core.http.internal.auth;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A key as the keys file keeps it: its name, its role and the SHA-256 of the secret (hex); never the
 * secret itself.
 */
public record ApiKey(String name, Role role, String hash) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    public ApiKey {
        Objects.requireNonNull(role, "role");
        checkName(name);
        if (hash == null || !HASH.matcher(hash).matches()) {
            throw new IllegalArgumentException("the hash of key '" + name + "' must be 64 hex digits (SHA-256)");
        }
    }

    /** @throws IllegalArgumentException unless {@code name} is 1..64 of {@code [A-Za-z0-9._-]} */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a key's name must match [A-Za-z0-9._-]{1,64}, was '" + name + "'");
        }
        return name;
    }

    /** The keys file's line for this key. */
    String line() {
        return name + " " + role.label() + " " + hash;
    }
}
