package dev.venom.core.persistence.internal.journal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.model.VenomTask;
import dev.venom.core.persistence.FileOpener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;

/**
 * The snapshot in the original service's format, {@code {"tasks": [ {task}, ... ]}}, UTF-8. Written
 * atomically: a temp file beside it, fsync, rename over the old one, fsync of the directory; a reader
 * sees the old snapshot or the new one, never a mix.
 */
public final class SnapshotFile {

    /** The file is readable but is not a snapshot: it is valid JSON of another shape. */
    public static final class NotASnapshotException extends IOException {
        NotASnapshotException(String message) {
            super(message);
        }
    }

    private final Path path;
    private final ObjectMapper mapper;
    private final FileOpener opener;

    public SnapshotFile(Path path, ObjectMapper mapper, FileOpener opener) {
        this.path = path;
        this.mapper = mapper;
        this.opener = opener;
    }

    public Path path() {
        return path;
    }

    /**
     * Reads every task, in file order, handing each to {@code sink} as soon as it is parsed.
     *
     * @return how many tasks were read
     * @throws IOException if the file cannot be read or is not a valid snapshot; the message says where
     */
    public int read(Consumer<VenomTask> sink) throws IOException {
        int count = 0;
        try (InputStream in = Files.newInputStream(path);
             JsonParser parser = mapper.getFactory().createParser(in)) {
            expect(parser.nextToken(), JsonToken.START_OBJECT, parser);
            boolean sawTasks = false;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("tasks".equals(field)) {
                    expect(value, JsonToken.START_ARRAY, parser);
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        sink.accept(mapper.readValue(parser, VenomTask.class));
                        count++;
                    }
                    expect(parser.currentToken(), JsonToken.END_ARRAY, parser);
                    sawTasks = true;
                } else {
                    parser.skipChildren();
                }
            }
            expect(parser.currentToken(), JsonToken.END_OBJECT, parser);
            if (parser.nextToken() != null) {
                throw new NotASnapshotException("unexpected content after the snapshot object at "
                        + parser.currentLocation());
            }
            if (!sawTasks) {
                throw new NotASnapshotException("no \"tasks\" array in " + path);
            }
        }
        return count;
    }

    /** The temp file a snapshot is written to before it is renamed over the snapshot. */
    public Path temp() {
        return path.resolveSibling(path.getFileName() + ".tmp");
    }

    /**
     * Replaces the snapshot with {@code tasks}, atomically and durably. A write that fails removes its temp
     * file, so a full disk gets its space back.
     */
    public void write(List<VenomTask> tasks) throws IOException {
        Path temp = temp();
        boolean renamed = false;
        try {
            writeTemp(temp, tasks);
            try {
                Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + path + " cannot rename atomically", e);
            }
            renamed = true;
        } finally {
            if (!renamed) {
                Files.deleteIfExists(temp);
            }
        }
        forceDirectory(path.toAbsolutePath().getParent());
    }

    private void writeTemp(Path temp, List<VenomTask> tasks) throws IOException {
        try (FileChannel channel = opener.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream out = Channels.newOutputStream(channel);
            JsonFactory factory = mapper.getFactory();
            try (JsonGenerator json = factory.createGenerator(out, JsonEncoding.UTF8)
                    .configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false)) {
                json.writeRaw("{\"tasks\": [");
                boolean first = true;
                for (VenomTask task : tasks) {
                    json.writeRaw(first ? "\n" : ",\n");
                    first = false;
                    json.writeRaw("  ");
                    TaskJson.write(json, task);
                }
                json.writeRaw("\n]}\n");
            }
            channel.force(true);
        }
    }

    /** Makes a rename or a new file in {@code dir} durable. */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void expect(JsonToken actual, JsonToken expected, JsonParser parser) throws IOException {
        if (actual != expected) {
            throw new NotASnapshotException("expected " + expected + " but found " + actual + " at "
                    + parser.currentLocation());
        }
    }
}
