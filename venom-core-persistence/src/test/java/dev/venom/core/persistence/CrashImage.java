package dev.venom.core.persistence;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The embedded store's files as a {@code kill -9} would leave them now: a store opened on the copy starts as
 * after a crash.
 */
final class CrashImage {

    private CrashImage() {
    }

    /**
     * Copies the state files in {@code from} to a new directory in {@code under}.
     *
     * @return the state file of the copy, to open a store on
     */
    static Path take(Path from, Path under) throws IOException {
        Path image = Files.createDirectory(under.resolve("crash-" + System.nanoTime()));
        for (String name : List.of("state_dump.json", "state_dump.json.journal", "state_dump.json.journal.old",
                "state_dump.json.queues", "state_dump.json.schedules")) {
            if (Files.exists(from.resolve(name))) {
                Files.copy(from.resolve(name), image.resolve(name));
            }
        }
        return image.resolve("state_dump.json");
    }
}
