package dev.venom.core.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.Schedule;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The schedules file ({@code VENOM_SCHEDULES_FILE}): a JSON list of schedules, each as the API takes it. */
public final class SchedulesFile {

    private SchedulesFile() {
    }

    /**
     * Applies the schedules file: each entry created, or redefined if it defines something else (see
     * {@code Schedules.apply}); schedules not in it are left as they are.
     *
     * @return how many entries it holds
     * @throws IllegalArgumentException naming the file and the entry that is wrong
     */
    public static int apply(Path file, ObjectMapper mapper, Orchestrator orchestrator) {
        JsonNode entries;
        try {
            entries = mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the schedules file " + file + ": " + e.getMessage(), e);
        }
        if (entries == null || !entries.isArray()) {
            throw new IllegalArgumentException("the schedules file " + file + " must hold a JSON list of schedules, "
                    + "each as POST /api/v1/schedules takes it");
        }
        Instant now = orchestrator.schedules().clock().instant();
        List<Schedule> schedules = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            JsonNode entry = entries.get(i);
            try {
                schedules.add(ScheduleRequests.schedule(entry.isObject() ? entry : JsonNodeFactory.instance.objectNode(), now));
            } catch (InvalidRequestException e) {
                throw new IllegalArgumentException("the schedules file " + file + ", entry " + i + ": "
                        + e.errors().stream().map(error -> error.loc().subList(1, error.loc().size()) + " "
                        + error.msg()).toList(), e);
            }
        }
        schedules.forEach(schedule -> orchestrator.schedules().apply(schedule).join());
        return schedules.size();
    }
}
