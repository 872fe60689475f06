package dev.venom.core.persistence;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.venom.core.engine.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded audit trail: one JSON object a line in {@code audit.log}, appended and never rewritten. Each
 * entry is written before {@link #record} returns (a crash of the process cannot lose it) and forced to the
 * disk within a second. Past {@code maxBytes} the file is renamed {@code audit.log.1} (the older ones shift up
 * to {@code .5}; the oldest goes) and a new one begun. A line that does not parse (a torn last write) is
 * skipped when read. Thread-safe.
 */
public final class JsonLinesAuditTrail implements AuditTrail {

    private static final Logger log = LoggerFactory.getLogger(JsonLinesAuditTrail.class);
    /** Rotated files kept besides the current one. */
    static final int KEPT = 5;
    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final Path path;
    private final long maxBytes;
    private final ScheduledExecutorService forcer;
    private volatile FileChannel file;
    private long size;
    private long seq;
    private volatile boolean dirty;
    /** A write failed part-way: the next entry starts a line of its own. */
    private boolean torn;
    /** The line being written; reused, under the trail's lock. */
    private final Line line = new Line();

    private JsonLinesAuditTrail(Path path, long maxBytes) throws IOException {
        this.path = path;
        this.maxBytes = maxBytes;
        Files.createDirectories(path.toAbsolutePath().getParent());
        this.seq = lastSeq();
        openFile();
        this.forcer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "venom-audit-force");
            thread.setDaemon(true);
            return thread;
        });
        forcer.scheduleWithFixedDelay(this::force, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Opens (or begins) the trail at {@code path}, rotating past {@code maxBytes}.
     *
     * @throws StoreException if it cannot be opened
     */
    public static JsonLinesAuditTrail open(Path path, long maxBytes) {
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("maxBytes must be >= 1024, was " + maxBytes);
        }
        try {
            return new JsonLinesAuditTrail(path, maxBytes);
        } catch (IOException e) {
            throw new StoreException("cannot open the audit trail " + path + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public synchronized void record(AuditEntry entry) {
        long numbered = ++seq;
        try {
            line.clear();
            if (torn) {
                line.raw("\n");
            }
            line.entry(entry, numbered);
            if (size > 0 && size + line.length() > maxBytes) {
                rotate();
            }
            torn = true; // until the whole line is written
            ByteBuffer buffer = line.buffer();
            int length = buffer.remaining();
            while (buffer.hasRemaining()) {
                file.write(buffer);
            }
            size += length;
            torn = false;
            dirty = true;
        } catch (IOException e) {
            log.error("audit entry {} could not be written to {}: {}", numbered, path, e.toString());
        }
    }

    @Override
    public List<AuditEntry> page(AuditQuery query) {
        List<AuditEntry> found = new ArrayList<>();
        for (int i = 0; i <= KEPT && found.size() < query.limit(); i++) {
            Path file = i == 0 ? path : rotated(i);
            List<AuditEntry> entries = read(file);
            Collections.reverse(entries);
            for (AuditEntry entry : entries) {
                if ((query.before() == null || entry.seq() < query.before()) && query.matches(entry)) {
                    found.add(entry);
                    if (found.size() == query.limit()) {
                        break;
                    }
                }
            }
        }
        return found;
    }

    private static List<AuditEntry> read(Path file) {
        List<AuditEntry> entries = new ArrayList<>();
        List<String> lines;
        try {
            // decoded leniently: a character cut by a crash must not make the rest unreadable
            lines = Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList()
                    : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit trail " + file, e);
        }
        for (String line : lines) {
            try {
                entries.add(JSON.readValue(line, AuditEntry.class));
            } catch (IOException | IllegalArgumentException torn) {
                // a line cut by a crash: the rest are whole
            }
        }
        return entries;
    }

    private long lastSeq() {
        for (int i = 0; i <= KEPT; i++) {
            List<AuditEntry> entries = read(i == 0 ? path : rotated(i));
            if (!entries.isEmpty()) {
                return entries.get(entries.size() - 1).seq();
            }
        }
        return 0;
    }

    private void openFile() throws IOException {
        file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = file.size();
        if (size > 0 && !endsWithNewline()) {
            // a line cut by a crash: ended, so the next entry starts a line of its own (nothing is rewritten)
            file.write(ByteBuffer.wrap(new byte[] {'\n'}));
            size++;
        }
    }

    private boolean endsWithNewline() throws IOException {
        try (FileChannel reader = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            reader.read(last, size - 1);
            return last.get(0) == '\n';
        }
    }

    private void rotate() throws IOException {
        file.force(false);
        file.close();
        try {
            Files.deleteIfExists(rotated(KEPT));
            for (int i = KEPT - 1; i >= 1; i--) {
                if (Files.exists(rotated(i))) {
                    Files.move(rotated(i), rotated(i + 1), StandardCopyOption.ATOMIC_MOVE);
                }
            }
            Files.move(path, rotated(1), StandardCopyOption.ATOMIC_MOVE);
        } finally {
            openFile(); // the current file again if a rename failed: entries go on being written
        }
    }

    private Path rotated(int n) {
        return path.resolveSibling(path.getFileName() + "." + n);
    }

    /** Forces what was written; not under the lock {@link #record} takes, so a slow disk never holds it. */
    private void force() {
        if (dirty) {
            dirty = false;
            try {
                file.force(false);
            } catch (ClosedChannelException rotated) {
                // rotation forced it before it closed it
            } catch (IOException e) {
                dirty = true;
                log.error("the audit trail {} could not be forced to disk: {}", path, e.toString());
            }
        }
    }

    @Override
    public void close() {
        forcer.shutdownNow();
        force();
        synchronized (this) {
            try {
                file.close();
            } catch (IOException e) {
                log.warn("closing the audit trail {}: {}", path, e.toString());
            }
        }
    }

    /**
     * One entry as a JSON line, in the order and form {@link #JSON} reads back, built in a reused buffer: an
     * entry is written for every change a server makes, so it costs no mapper and no intermediate string.
     */
    private static final class Line {
        private static final JsonStringEncoder ESCAPES = JsonStringEncoder.getInstance();
        private byte[] bytes = new byte[512];
        private int length;

        void clear() {
            length = 0;
        }

        int length() {
            return length;
        }

        ByteBuffer buffer() {
            return ByteBuffer.wrap(bytes, 0, length);
        }

        void entry(AuditEntry entry, long seq) {
            raw("{\"seq\":").raw(Long.toString(seq));
            raw(",\"at\":").string(entry.at().toString());
            raw(",\"key\":").string(entry.key());
            raw(",\"role\":").string(entry.role());
            raw(",\"remote\":").string(entry.remote());
            raw(",\"method\":").string(entry.method());
            raw(",\"path\":").string(entry.path());
            raw(",\"action\":").string(entry.action());
            raw(",\"target\":").string(entry.target());
            raw(",\"status\":").raw(Integer.toString(entry.status()));
            raw(",\"node\":").string(entry.node());
            raw("}\n");
        }

        /** {@code text} as it is: ASCII the caller knows needs no escaping. */
        Line raw(String text) {
            ensure(text.length());
            for (int i = 0; i < text.length(); i++) {
                bytes[length++] = (byte) text.charAt(i);
            }
            return this;
        }

        private void string(String text) {
            if (text == null) {
                raw("null");
                return;
            }
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                    byte[] escaped = ESCAPES.quoteAsUTF8(wellFormed(text));
                    ensure(escaped.length + 2);
                    bytes[length++] = '"';
                    System.arraycopy(escaped, 0, bytes, length, escaped.length);
                    length += escaped.length;
                    bytes[length++] = '"';
                    return;
                }
            }
            raw("\"").raw(text).raw("\"");
        }

        /** {@code text} with each lone surrogate as {@code ?}, as UTF-8 encodes it: such text is still recorded. */
        private static String wellFormed(String text) {
            StringBuilder fixed = null;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1));
                if (pair) {
                    if (fixed != null) {
                        fixed.append(c).append(text.charAt(i + 1));
                    }
                    i++;
                } else if (Character.isSurrogate(c)) {
                    if (fixed == null) {
                        fixed = new StringBuilder(text.length()).append(text, 0, i);
                    }
                    fixed.append('?');
                } else if (fixed != null) {
                    fixed.append(c);
                }
            }
            return fixed == null ? text : fixed.toString();
        }

        private void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }
    }
}
