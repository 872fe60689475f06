package dev.venom.core.engine;

/**
 * What an {@linkplain Queues#emergencyStop emergency stop} did: every queue paused, then every PROCESSING task
 * cancelled and every PENDING one purged.
 *
 * @param cancelled PROCESSING tasks cancelled, on every server
 * @param purged    PENDING tasks cancelled by the purge
 */
public record EmergencyStop(int cancelled, int purged) {
}
