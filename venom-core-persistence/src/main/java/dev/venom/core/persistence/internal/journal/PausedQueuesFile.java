package dev.venom.core.persistence.internal.journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.engine.QueueState;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.persistence.FileOpener;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
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

    private final SideFile file;
    private final ObjectMapper mapper;

    /** The file of the state file {@code stateFile}, written through {@code opener}. */
    public PausedQueuesFile(Path stateFile, ObjectMapper mapper, Clock clock, FileOpener opener) {
        this.file = new SideFile(stateFile, "queues", clock, opener);
        this.mapper = mapper;
    }

    public Path path() {
        return file.path();
    }

    /** The paused queues as last written; none if there is no file. */
    public Set<String> read() throws IOException {
        if (!file.exists()) {
            return Set.of();
        }
        try {
            JsonNode paused = mapper.readTree(file.path().toFile()).get("paused");
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
            Path aside = file.moveAside();
            log.error("the paused queues in {} could not be read ({}); moved to {}, and no queue is paused",
                    file.path(), e.getMessage(), aside);
            return Set.of();
        }
    }

    /** Writes {@code paused} as the paused queues, durably, replacing what was there. */
    public void write(Set<String> paused) throws IOException {
        file.write(mapper.writeValueAsBytes(Map.of("paused", new TreeSet<>(paused))));
    }
}
