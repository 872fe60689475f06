package dev.venom.core.tests.support;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/** Writes large state files for the benchmarks, in the snapshot format, without going through a store. */
public final class StateFiles {

    private StateFiles() {
    }

    /** A snapshot of {@code count} COMPLETED tasks with short content, as the server writes them. */
    public static void finishedTasks(Path file, int count) throws IOException {
        Files.createDirectories(file.getParent());
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("{\"tasks\": [");
            for (int i = 0; i < count; i++) {
                String at = t.plus(i, ChronoUnit.MILLIS).toString().replace("Z", "") ;
                String stamp = at.contains(".") ? at + "000Z" : at + ".000000Z";
                out.write(i == 0 ? "\n  " : ",\n  ");
                out.write("{\"id\":\"" + UUID.randomUUID() + "\",\"content\":\"task " + i + "\",\"created_at\":\""
                        + stamp + "\",\"status\":\"COMPLETED\",\"result\":\"Processed: task " + i + "\",\"logs\":["
                        + "\"Task started: " + stamp + "\",\"Processing started: " + stamp + "\","
                        + "\"Processing completed: " + stamp + "\"],\"attempts\":1,\"finished_at\":\"" + stamp + "\"}");
            }
            out.write("\n]}\n");
        }
    }
}
