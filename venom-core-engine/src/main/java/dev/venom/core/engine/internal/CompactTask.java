package dev.venom.core.engine.internal;

import dev.venom.core.model.Progress;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.UUID;

/**
 * A task packed into one byte array: about a third of the memory of its {@link VenomTask} object graph
 * (UUID, instants, strings, list), and one object for the garbage collector instead of a dozen. Strings are
 * kept exactly: UTF-8, or UTF-16 for the rare string that holds an unpaired surrogate (a JSON {@code
 * "\ud800"}), which UTF-8 cannot carry.
 */
public final class CompactTask {

    private static final TaskStatus[] STATUSES = TaskStatus.values();
    private static final long NO_INSTANT = Long.MIN_VALUE;
    /** Starts an encoded string that is UTF-16: a byte that never occurs in UTF-8. */
    private static final byte UTF16_MARK = (byte) 0xFF;
    /** The status byte's low bits hold the status; its high bits say which rare parts follow the log lines. */
    private static final int STATUS_BITS = 0x0F;
    private static final int HAS_REQUIRES = 0x40;
    private static final int HAS_PROGRESS = 0x20;
    private static final int HAS_DEPENDENCIES = 0x10;

    private CompactTask() {
    }

    /** Packs {@code task}, version included. */
    public static byte[] encode(VenomTask task) {
        byte[] content = utf8(task.content());
        byte[] result = task.result() == null ? null : utf8(task.result());
        byte[] key = task.idempotencyKey() == null ? null : utf8(task.idempotencyKey());
        byte[] queue = task.queue().equals(TaskRequest.DEFAULT_QUEUE) ? null : utf8(task.queue());
        List<String> logs = task.logs();
        byte[][] lines = new byte[logs.size()][];
        int size = 16 + 8 * 4 + 1 + 1 + 4 + 1 + 4 + 8
                + 4 + content.length + 4 + length(result) + 4 + length(key) + 4 + length(queue) + 4;
        for (int i = 0; i < lines.length; i++) {
            lines[i] = utf8(logs.get(i));
            size += 4 + lines[i].length;
        }
        byte[][] requires = new byte[task.requires().size() * 2][];
        int r = 0;
        for (Map.Entry<String, String> required : task.requires().entrySet()) {
            requires[r++] = utf8(required.getKey());
            requires[r++] = utf8(required.getValue());
        }
        if (requires.length > 0) {
            size += 4;
            for (byte[] part : requires) {
                size += 4 + part.length;
            }
        }
        Progress progress = task.progress();
        byte[] progressMessage = progress == null || progress.message() == null ? null : utf8(progress.message());
        if (progress != null) {
            size += 1 + 4 + length(progressMessage);
        }
        boolean dependencies = !task.dependsOn().isEmpty();
        if (dependencies) {
            size += 4 + 16 * task.dependsOn().size() + 4 + 16 * task.waitingOn().size();
        }
        int extras = (requires.length > 0 ? HAS_REQUIRES : 0) | (progress != null ? HAS_PROGRESS : 0)
                | (dependencies ? HAS_DEPENDENCIES : 0);
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putLong(task.id().getMostSignificantBits()).putLong(task.id().getLeastSignificantBits());
        putInstant(out, task.createdAt());
        putInstant(out, task.finishedAt());
        putInstant(out, task.updatedAt());
        putInstant(out, task.runAt());
        out.put((byte) (task.status().ordinal() | extras)).put((byte) task.priority())
                .putInt(task.attempts()).put((byte) task.maxAttempts())
                .putInt(task.timeoutMs() == null ? -1 : task.timeoutMs().intValue()).putLong(task.version());
        putBytes(out, content);
        putBytes(out, result);
        putBytes(out, key);
        putBytes(out, queue);
        out.putInt(lines.length);
        for (byte[] line : lines) {
            putBytes(out, line);
        }
        if (requires.length > 0) {
            out.putInt(requires.length);
            for (byte[] part : requires) {
                putBytes(out, part);
            }
        }
        if (progress != null) {
            out.put((byte) progress.percent());
            putBytes(out, progressMessage);
        }
        if (dependencies) {
            putIds(out, task.dependsOn());
            putIds(out, task.waitingOn());
        }
        return out.array();
    }

    /** Unpacks what {@link #encode} packed. */
    public static VenomTask decode(byte[] packed) {
        ByteBuffer in = ByteBuffer.wrap(packed);
        UUID id = new UUID(in.getLong(), in.getLong());
        Instant createdAt = getInstant(in);
        Instant finishedAt = getInstant(in);
        Instant updatedAt = getInstant(in);
        Instant runAt = getInstant(in);
        int statusAndExtras = in.get();
        TaskStatus status = STATUSES[statusAndExtras & STATUS_BITS];
        int priority = in.get();
        int attempts = in.getInt();
        int maxAttempts = in.get();
        long timeoutMs = in.getInt();
        long version = in.getLong();
        String content = getString(in);
        String result = getString(in);
        String key = getString(in);
        String queue = getString(in); // null: the default queue, not spelled out
        int count = in.getInt();
        List<String> logs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            logs.add(getString(in));
        }
        Map<String, String> requires = Map.of();
        if ((statusAndExtras & HAS_REQUIRES) != 0) {
            int parts = in.getInt();
            requires = new HashMap<>();
            for (int i = 0; i < parts; i += 2) {
                requires.put(getString(in), getString(in));
            }
        }
        int percent = -1;
        String progressMessage = null;
        if ((statusAndExtras & HAS_PROGRESS) != 0) {
            percent = in.get();
            progressMessage = getString(in);
        }
        List<UUID> dependsOn = List.of();
        List<UUID> waitingOn = List.of();
        if ((statusAndExtras & HAS_DEPENDENCIES) != 0) {
            dependsOn = getIds(in);
            waitingOn = getIds(in);
        }
        return new VenomTask(id, content, createdAt, status, result, logs, priority, attempts, maxAttempts, runAt,
                timeoutMs < 0 ? null : timeoutMs, key, queue, updatedAt, finishedAt, requires,
                percent < 0 ? null : new Progress(percent, progressMessage), dependsOn, waitingOn, version);
    }

    private static void putIds(ByteBuffer out, List<UUID> ids) {
        out.putInt(ids.size());
        for (UUID id : ids) {
            out.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        }
    }

    private static List<UUID> getIds(ByteBuffer in) {
        int count = in.getInt();
        List<UUID> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(new UUID(in.getLong(), in.getLong()));
        }
        return ids;
    }

    /** The id of a packed task, without unpacking the rest. */
    public static UUID id(byte[] packed) {
        ByteBuffer in = ByteBuffer.wrap(packed);
        return new UUID(in.getLong(), in.getLong());
    }

    /**
     * When a packed finished task ended, without unpacking it: {@link VenomTask#endedAt()} (its
     * {@code finished_at}, or its creation time if the original service finished it).
     */
    public static Instant endedAt(byte[] packed) {
        ByteBuffer in = ByteBuffer.wrap(packed);
        in.position(16);
        Instant createdAt = getInstant(in);
        Instant finishedAt = getInstant(in);
        return finishedAt != null ? finishedAt : createdAt;
    }

    /** True if a packed task names dependencies, without unpacking it. */
    public static boolean hasDependencies(byte[] packed) {
        return (packed[16 + 8 * 4] & HAS_DEPENDENCIES) != 0;
    }

    /** When a packed task was created, without unpacking it. */
    public static Instant createdAt(byte[] packed) {
        ByteBuffer in = ByteBuffer.wrap(packed);
        in.position(16);
        return getInstant(in);
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    /** UTF-8, or the raw UTF-16 chars after {@link #UTF16_MARK} if the text has an unpaired surrogate. */
    private static byte[] utf8(String text) {
        if (!hasUnpairedSurrogate(text)) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        ByteBuffer chars = ByteBuffer.allocate(1 + 2 * text.length()).put(UTF16_MARK);
        chars.asCharBuffer().put(text); // the chars as they are: a charset would replace the lone surrogate
        return chars.array();
    }

    /** True if {@code text} holds a surrogate that is not half of a pair: text that UTF-8 cannot carry. */
    public static boolean hasUnpairedSurrogate(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** As epoch microseconds: a task's times carry no more (see {@link VenomTask}). */
    private static void putInstant(ByteBuffer out, Instant instant) {
        out.putLong(instant == null ? NO_INSTANT : instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1000);
    }

    private static Instant getInstant(ByteBuffer in) {
        long micros = in.getLong();
        return micros == NO_INSTANT ? null : Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000),
                Math.floorMod(micros, 1_000_000) * 1000L);
    }

    private static void putBytes(ByteBuffer out, byte[] bytes) {
        if (bytes == null) {
            out.putInt(-1);
        } else {
            out.putInt(bytes.length).put(bytes);
        }
    }

    private static String getString(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0) {
            return null;
        }
        String text = length > 0 && in.get(in.position()) == UTF16_MARK
                ? ByteBuffer.wrap(in.array(), in.position() + 1, length - 1).slice().asCharBuffer().toString()
                : new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return text;
    }
}
