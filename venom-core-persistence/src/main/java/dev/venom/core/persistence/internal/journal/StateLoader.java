package dev.venom.core.persistence.internal.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.venom.core.engine.internal.ChangeLog;
import dev.venom.core.engine.internal.TaskTable;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.VenomTask;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up of the embedded store: loads the snapshot, replays the journals (an interrupted snapshot's
 * {@code .old} first), drops a torn last line, and sets aside what cannot be read ({@code *.corrupt-<time>}),
 * never overwriting it. Says what repair the files need.
 */
public final class StateLoader {

    private static final Logger log = LoggerFactory.getLogger(StateLoader.class);
    private static final DateTimeFormatter QUARANTINE_TIME =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** What a start-up must do about the files it found. */
    public enum Repair {
        /** Nothing: snapshot and journal are as a clean run leaves them. */
        NONE,
        /** A snapshot was interrupted: write one in the background, which also removes {@code .old}. */
        BEHIND,
        /** A file was unreadable and set aside: write a clean snapshot and journal before serving. */
        NOW
    }

    /** The tasks loaded, in a table that records later changes in the change log, and the repair needed. */
    public record Loaded(TaskTable memory, Repair repair) {
    }

    private final Path path;
    private final Path journalPath;
    private final SnapshotFile snapshot;
    private final ObjectReader taskReader;
    private final Clock clock;
    private final TaskLog language;
    private final ChangeLog changeLog;

    /**
     * @param path      the snapshot file
     * @param changeLog where the loaded table records the changes made after the start
     */
    public StateLoader(Path path, Path journalPath, SnapshotFile snapshot, ObjectReader taskReader, Clock clock,
                       TaskLog language, ChangeLog changeLog) {
        this.language = language;
        this.path = path;
        this.journalPath = journalPath;
        this.snapshot = snapshot;
        this.taskReader = taskReader;
        this.clock = clock;
        this.changeLog = changeLog;
    }

    /** Loads the snapshot and the journals straight into a new in-memory index, task by task. */
    public Loaded load() throws IOException {
        TaskTable loading = new TaskTable(clock, changeLog, language);
        Repair repair = Repair.NONE;
        if (Files.exists(path)) {
            try {
                snapshot.read(loading::restore);
            } catch (JsonProcessingException | SnapshotFile.NotASnapshotException e) {
                Path aside = quarantine(path);
                log.error("state file {} is unreadable ({}); moved aside to {}, starting without it",
                        path, e.getMessage(), aside);
                loading = new TaskTable(clock, changeLog, language);
                repair = Repair.NOW;
            }
        }
        Path old = Journal.oldOf(journalPath);
        if (Files.exists(old)) {
            log.info("a snapshot was interrupted; replaying {} before the journal", old);
            repair = repair == Repair.NOW ? Repair.NOW : Repair.BEHIND;
        }
        TaskTable target = loading;
        JournalReplay.Sink sink = new JournalReplay.Sink() {
            @Override
            public void task(VenomTask task) {
                target.restore(task);
            }

            @Override
            public void recovered(String logLine) {
                target.requeueUnfinished(logLine, TaskLog.recoveredAt(logLine).orElseGet(clock::instant));
            }
        };
        for (Path journal : List.of(old, journalPath)) {
            JournalReplay replay = JournalReplay.read(journal, taskReader, sink);
            if (replay.badLines() > 0) {
                Path aside = quarantineCopy(journal);
                log.error("journal {} has {} unreadable line(s); a copy is kept at {}, the readable {} change(s) "
                        + "applied", journal, replay.badLines(), aside, replay.applied());
                repair = Repair.NOW;
            }
            if (replay.tornTail()) {
                log.warn("journal {} ends in a torn write (a crash mid-append); the incomplete last line is dropped",
                        journal);
            }
            if (Files.exists(journal) && Files.size(journal) > replay.validBytes()) {
                try (FileChannel channel = FileChannel.open(journal, StandardOpenOption.WRITE)) {
                    channel.truncate(replay.validBytes());
                    channel.force(true);
                }
            }
        }
        return new Loaded(loading, repair);
    }

    private Path quarantine(Path file) throws IOException {
        Path aside = asideName(file, clock);
        Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
        return aside;
    }

    private Path quarantineCopy(Path file) throws IOException {
        Path aside = asideName(file, clock);
        Files.copy(file, aside, StandardCopyOption.COPY_ATTRIBUTES);
        return aside;
    }

    /** {@code file}'s name with {@code .corrupt-<time>}, and a number if that is taken: never an existing file. */
    static Path asideName(Path file, Clock clock) {
        String base = file.getFileName() + ".corrupt-" + QUARANTINE_TIME.format(clock.instant());
        Path aside = file.resolveSibling(base);
        for (int n = 1; Files.exists(aside); n++) {
            aside = file.resolveSibling(base + "-" + n);
        }
        return aside;
    }
}
