package dev.venom.core.http.internal.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What an API key may do. {@code read}: every GET, the event streams, metrics; {@code write}: read, and
 * create and cancel tasks; {@code admin}: write, and queue control, purge, emergency stop. {@code worker} is
 * kept for the remote worker protocol and may do nothing else.
 */
public enum Role {
    READ, WRITE, ADMIN, WORKER;

    /** True if a key of this role may do what {@code needed} may. */
    public boolean covers(Role needed) {
        return switch (this) {
            case READ -> needed == READ;
            case WRITE -> needed == READ || needed == WRITE;
            case ADMIN -> needed != WORKER;
            case WORKER -> needed == WORKER;
        };
    }

    /** The role's name as the keys file and the answers write it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the roles there are */
    public static Role parse(String label) {
        for (Role role : values()) {
            if (role.label().equals(label)) {
                return role;
            }
        }
        throw new IllegalArgumentException("role must be one of " + Arrays.stream(values()).map(Role::label)
                .collect(Collectors.joining(", ")) + ", was '" + (label.length() > 16 ? label.substring(0, 6) + "..."
                : label) + "'"); // never all of a long value: it may be a secret pasted in the wrong place
    }
}
