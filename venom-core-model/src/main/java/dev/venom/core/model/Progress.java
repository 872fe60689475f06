package dev.venom.core.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How far a running attempt says it has come: a percentage and what it is doing. Reported by remote workers'
 * heartbeats; the task keeps the last one.
 *
 * @param percent 0..100
 * @param message what the attempt is doing, up to {@value #MAX_MESSAGE_LENGTH} characters; may be null
 */
public record Progress(@JsonProperty("percent") int percent, @JsonProperty("message") String message) {

    public static final int MAX_MESSAGE_LENGTH = 1_000;

    public Progress {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("progress must be 0..100, was " + percent);
        }
        if (message != null && message.length() > MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("progress message must be at most " + MAX_MESSAGE_LENGTH
                    + " characters, was " + message.length());
        }
    }
}
