package dev.venom.core.engine;

import java.time.Instant;

/**
 * The answer to a remote attempt's heartbeat.
 *
 * @param leaseExpiresAt  until when the attempt's claim now holds; {@code null} once a cancel was asked
 * @param cancelRequested true if the task was cancelled (by a client, a purge or an emergency stop): the worker
 *                        should stop; nothing it reports for this attempt is written any more
 */
public record Heartbeat(Instant leaseExpiresAt, boolean cancelRequested) {
}
