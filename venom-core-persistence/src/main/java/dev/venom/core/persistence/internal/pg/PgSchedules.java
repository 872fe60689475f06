package dev.venom.core.persistence.internal.pg;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.venom.core.engine.Schedule;
import dev.venom.core.engine.ScheduleExistsException;
import dev.venom.core.model.Timestamps;
import dev.venom.core.persistence.internal.ScheduleJson;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The schedules in {@code venom_schedules}: one row each, compare-and-set on its version. */
public final class PgSchedules {

    private static final Logger log = LoggerFactory.getLogger(PgSchedules.class);
    private static final ObjectMapper JSON = JsonMapper.builder().findAndAddModules().build();

    private final Jdbc jdbc;
    private final String table;

    /** @param tasks the tasks table, schema included; the schedules table is beside it */
    public PgSchedules(Jdbc jdbc, String tasks) {
        this.jdbc = jdbc;
        this.table = Migrations.tableBeside(tasks, "venom_schedules");
    }

    public List<Schedule> list() {
        return jdbc.call("reading the schedules", connection -> {
            try (PreparedStatement read = connection.prepareStatement("SELECT schedule, version FROM " + table
                    + " ORDER BY name");
                 ResultSet rows = read.executeQuery()) {
                List<Schedule> schedules = new ArrayList<>();
                while (rows.next()) {
                    try {
                        schedules.add(schedule(rows.getString(1)).withVersion(rows.getLong(2)));
                    } catch (IOException e) { // one bad row must not stop every other schedule
                        log.error("a row of {} is not a schedule and is left out: {}", table, e.getMessage());
                    }
                }
                return schedules;
            }
        });
    }

    public Schedule insert(Schedule schedule) {
        Schedule stored = schedule.withVersion(1);
        int added = jdbc.call("creating schedule " + schedule.name(), connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table
                    + " (name, schedule, version) VALUES (?, ?::jsonb, 1) ON CONFLICT (name) DO NOTHING")) {
                insert.setString(1, stored.name());
                insert.setString(2, json(stored));
                return insert.executeUpdate();
            }
        });
        if (added == 0) {
            throw new ScheduleExistsException(schedule.name());
        }
        return stored;
    }

    public Optional<Schedule> update(Schedule expected, Schedule next) {
        if (!next.name().equals(expected.name())) {
            return Optional.empty();
        }
        Schedule stored = next.withVersion(expected.version() + 1);
        int changed = jdbc.call("changing schedule " + expected.name(), connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE " + table
                    + " SET schedule = ?::jsonb, version = version + 1 WHERE name = ? AND version = ? "
                    + "AND schedule->>'created_at' = ?")) {
                update.setString(1, json(stored));
                update.setString(2, expected.name());
                update.setLong(3, expected.version());
                update.setString(4, Timestamps.format(expected.createdAt()));
                return update.executeUpdate();
            }
        });
        return changed == 1 ? Optional.of(stored) : Optional.empty();
    }

    public boolean delete(String name) {
        return jdbc.call("deleting schedule " + name, connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE name = ?")) {
                delete.setString(1, name);
                return delete.executeUpdate() == 1;
            }
        });
    }

    private static String json(Schedule schedule) {
        try {
            return JSON.writeValueAsString(ScheduleJson.write(JSON, schedule));
        } catch (IOException e) {
            throw new IllegalStateException("a schedule always writes as JSON", e);
        }
    }

    private static Schedule schedule(String json) throws IOException {
        return ScheduleJson.read(JSON, JSON.readTree(json));
    }
}
