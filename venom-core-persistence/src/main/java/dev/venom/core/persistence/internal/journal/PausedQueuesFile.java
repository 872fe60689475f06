package dev.venom.core.persistence.internal.journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.engine.QueueState;
import dev.venom.core.model.TaskRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queues an operator paused, beside the state file ({@code state_dump.json.queues}): {@code {"paused":
 * ["urgent", "*"]}}, {@code "*"} for every queue. Rewritten whole and atomically (temp file, fsync, rename) on
 * each pause or resume, which are rare; the snapshot keeps the original service's format untouched. A file
 * that cannot be read is moved aside ({@code *.corrupt-<time>}) and no queue is paused, said as an ERROR.
 */
public final class PausedQueuesFile {

    private static final Logger log = LoggerFactory.getLogger(PausedQueuesFile.class);
    private static final DateTimeFormatter ASIDE_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

    private final Path path;
    private final ObjectMapper mapper;
    private final Clock clock;

    /** The file of the state file {@code stateFile}. */
    public PausedQueuesFile(Path stateFile, ObjectMapper mapper, Clock clock) {
        this.path = stateFile.resolveSibling(stateFile.getFileName() + ".queues");
        this.mapper = mapper;
        this.clock = clock;
    }

    public Path path() {
        return path;
    }

    /** The paused queues as last written; none if there is no file. */
    public Set<String> read() throws IOException {
        if (!Files.exists(path)) {
            return Set.of();
        }
        try {
            JsonNode paused = mapper.readTree(path.toFile()).get("paused");
            if (paused == null || !paused.isArray()) {
                throw new IOException("no \"paused\" list");
            }
            Set<String> names = new TreeSet<>();
            for (JsonNode name : paused) {
                if (!name.isTextual()) {
                    throw new IOException("a queue name that is not a string: " + name);
                }
                names.add(name.textValue().equals(QueueState.ALL) ? QueueState.ALL
                        : TaskRequest.checkQueue(name.textValue()));
            }
            return names;
        } catch (IOException | IllegalArgumentException e) {
            Path aside = path.resolveSibling(path.getFileName() + ".corrupt-" + ASIDE_TIME.format(clock.instant()));
            Files.move(path, aside, StandardCopyOption.REPLACE_EXISTING);
            log.error("the paused queues in {} could not be read ({}); moved to {}, and no queue is paused",
                    path, e.getMessage(), aside);
            return Set.of();
        }
    }

    /** Writes {@code paused} as the paused queues, durably, replacing what was there. */
    public void write(Set<String> paused) throws IOException {
        Path temp = path.resolveSibling(path.getFileName() + ".tmp");
        byte[] json = mapper.writeValueAsBytes(Map.of("paused", new TreeSet<>(paused)));
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap(json));
            channel.force(true);
        }
        Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        SnapshotFile.forceDirectory(path.toAbsolutePath().getParent());
    }
}
