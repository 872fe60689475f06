package dev.venom.core.engine;

import dev.venom.core.model.VenomTask;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.UUID;

/**
 * A position in a listing ordered by creation: the creation time and id of the last task listed. Its
 * {@link #encode() text form} is opaque to clients, URL-safe, and stays valid across restarts and stores,
 * which is what keyset paging needs ({@code WHERE (created_at, id) > (?, ?)}).
 *
 * @param createdAt the last listed task's creation time
 * @param id        the last listed task's id
 */
public record TaskCursor(Instant createdAt, UUID id) {

    private static final int BYTES = 8 + 4 + 16;

    public TaskCursor {
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(id, "id");
    }

    /** The cursor that resumes a listing after {@code task}. */
    public static TaskCursor after(VenomTask task) {
        return new TaskCursor(task.createdAt(), task.id());
    }

    /** The opaque text form: base64url of the time and the id. */
    public String encode() {
        ByteBuffer bytes = ByteBuffer.allocate(BYTES)
                .putLong(createdAt.getEpochSecond()).putInt(createdAt.getNano())
                .putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }

    /**
     * Reads what {@link #encode()} wrote.
     *
     * @throws IllegalArgumentException if {@code text} is not such a cursor
     */
    public static TaskCursor parse(String text) {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            bytes = new byte[0];
        }
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("invalid cursor: " + text);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        long seconds = in.getLong();
        int nanos = in.getInt();
        if (nanos < 0 || nanos > 999_999_999 || seconds < Instant.MIN.getEpochSecond()
                || seconds > Instant.MAX.getEpochSecond()) {
            throw new IllegalArgumentException("invalid cursor: " + text);
        }
        return new TaskCursor(Instant.ofEpochSecond(seconds, nanos), new UUID(in.getLong(), in.getLong()));
    }
}
