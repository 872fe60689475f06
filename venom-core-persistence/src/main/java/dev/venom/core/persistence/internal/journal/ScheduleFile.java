package dev.venom.core.persistence.internal.journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.venom.core.engine.Schedule;
import dev.venom.core.persistence.FileOpener;
import dev.venom.core.persistence.internal.ScheduleJson;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schedules, beside the state file ({@code state_dump.json.schedules}): {@code {"schedules": [...]}}, each
 * as {@link ScheduleJson} writes it; rewritten whole on each change (a schedule records each time it fires:
 * at most a few writes a second). A file that cannot be read is moved aside and the store starts without
 * schedules, said as an ERROR.
 */
public final class ScheduleFile {

    private static final Logger log = LoggerFactory.getLogger(ScheduleFile.class);

    private final SideFile file;
    private final ObjectMapper mapper;

    public ScheduleFile(Path stateFile, ObjectMapper mapper, Clock clock, FileOpener opener) {
        this.file = new SideFile(stateFile, "schedules", clock, opener);
        this.mapper = mapper;
    }

    public Path path() {
        return file.path();
    }

    /** The schedules as last written; none if there is no file. */
    public List<Schedule> read() throws IOException {
        if (!file.exists()) {
            return List.of();
        }
        try {
            JsonNode schedules = mapper.readTree(file.path().toFile()).get("schedules");
            if (schedules == null || !schedules.isArray()) {
                throw new IOException("no \"schedules\" list");
            }
            List<Schedule> read = new ArrayList<>();
            for (JsonNode schedule : schedules) {
                read.add(ScheduleJson.read(mapper, schedule));
            }
            return read;
        } catch (IOException e) {
            Path aside = file.moveAside();
            log.error("the schedules in {} could not be read ({}); moved to {}, and the store starts without any",
                    file.path(), e.getMessage(), aside);
            return List.of();
        }
    }

    /** Writes {@code schedules} as every schedule, durably, replacing what was there. */
    public void write(Collection<Schedule> schedules) throws IOException {
        ArrayNode list = mapper.createArrayNode();
        schedules.forEach(schedule -> list.add(ScheduleJson.write(mapper, schedule)));
        file.write(mapper.writeValueAsBytes(mapper.createObjectNode().set("schedules", list)));
    }
}
