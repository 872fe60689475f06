package dev.venom.core.engine;

import java.time.Instant;
import java.util.Objects;

/**
 * An operator's change to a queue, as {@link TaskListener#onQueueEvent} hears it.
 *
 * @param type  what happened
 * @param queue the queue, or {@link QueueState#ALL} for every queue
 * @param count for {@link Type#PURGED}, how many tasks were cancelled; 0 otherwise
 * @param at    when
 */
public record QueueEvent(Type type, String queue, int count, Instant at) {

    /** What an operator did. */
    public enum Type {
        PAUSED("queue.paused"),
        RESUMED("queue.resumed"),
        PURGED("queue.purged");

        private final String wireName;

        Type(String wireName) {
            this.wireName = wireName;
        }

        /** The event's name on the live streams, such as {@code queue.paused}. */
        public String wireName() {
            return wireName;
        }
    }

    public QueueEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(at, "at");
    }
}
