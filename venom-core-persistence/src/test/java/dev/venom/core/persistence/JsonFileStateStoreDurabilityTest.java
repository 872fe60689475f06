package dev.venom.core.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.SettableClock;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskQuery;
import dev.venom.core.model.VenomTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failing disks, fsync modes and retention of the embedded store. */
class JsonFileStateStoreDurabilityTest {

    @TempDir
    Path dir;

    private Path state() {
        return dir.resolve("state_dump.json");
    }

    private static VenomTask newTask(String content, Instant now) {
        return VenomTask.create(UUID.randomUUID(), content, now);
    }

    @Test
    void aFullDiskRefusesNewTasksAndKeepsNothingItCouldNotWrite() {
        FullDisk disk = new FullDisk();
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).fileOpener(disk).open()) {
            VenomTask before = store.insert(newTask("before", Instant.now())).join();
            disk.fill();

            VenomTask refused = newTask("refused", Instant.now());
            assertThatThrownBy(() -> store.insert(refused).join())
                    .isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(StoreException.class)
                    .hasMessageContaining("No space left on device");
            assertThat(store.find(refused.id())).isEmpty();

            disk.free();
            VenomTask after = store.insert(newTask("after", Instant.now())).join();
            assertThat(store.list(TaskQuery.firstPage(10)).tasks()).extracting(VenomTask::id)
                    .containsExactly(before.id(), after.id());
        }
        try (JsonFileStateStore reopened = JsonFileStateStore.builder(state()).open()) {
            assertThat(reopened.list(TaskQuery.firstPage(10)).tasks()).extracting(VenomTask::content)
                    .containsExactly("before", "after");
        }
    }

    @Test
    void aSnapshotThatCannotBeWrittenLeavesTheJournalToRecoverFrom() throws Exception {
        FullDisk disk = new FullDisk();
        VenomTask task;
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).fileOpener(disk).open()) {
            task = store.insert(newTask("kept", Instant.now())).join();
            disk.fill();
        }

        assertThat(Files.exists(state())).isFalse();
        try (JsonFileStateStore reopened = JsonFileStateStore.builder(state()).open()) {
            assertThat(reopened.find(task.id())).isPresent();
        }
    }

    @Test
    void batchAndOffModesStillKeepEveryChangeAcrossAProcessRestart() {
        for (Fsync mode : List.of(Fsync.BATCH, Fsync.OFF)) {
            Path file = dir.resolve(mode + ".json");
            VenomTask task;
            try (JsonFileStateStore store = JsonFileStateStore.builder(file).fsync(mode)
                    .batchInterval(Duration.ofMillis(5)).open()) {
                task = store.insert(newTask(mode.name(), Instant.now())).join();
            }
            try (JsonFileStateStore reopened = JsonFileStateStore.builder(file).open()) {
                assertThat(reopened.find(task.id())).as(mode.name()).isPresent();
            }
        }
    }

    @Test
    void retentionDropsFinishedTasksOlderThanItAtTheNextSnapshot() {
        SettableClock clock = new SettableClock(Instant.parse("2026-11-01T00:00:00Z"));
        VenomTask old;
        VenomTask recent;
        VenomTask unfinished;
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).clock(clock)
                .retention(Duration.ofDays(7)).open()) {
            old = finish(store, clock);
            unfinished = store.insert(newTask("still waiting", clock.instant())).join();
            clock.advance(Duration.ofDays(8));
            recent = finish(store, clock);
        }
        try (JsonFileStateStore reopened = JsonFileStateStore.builder(state()).clock(clock).open()) {
            assertThat(reopened.find(old.id())).isEmpty();
            assertThat(reopened.find(recent.id())).isPresent();
            assertThat(reopened.find(unfinished.id())).isPresent();
        }
    }

    private static VenomTask finish(JsonFileStateStore store, SettableClock clock) {
        store.insert(newTask("x", clock.instant())).join();
        Claim claim = store.claim(ClaimRequest.of("node", 1, Duration.ofSeconds(30))).get(0);
        return store.update(claim.task(), claim.task().complete("ok", clock.instant())).join().orElseThrow();
    }

    @Test
    void aStateFileThatIsADirectoryIsReportedNotOverwritten() throws Exception {
        Files.createDirectories(state());
        Files.writeString(state().resolve("keep-me"), "x");

        assertThatThrownBy(() -> JsonFileStateStore.builder(state()).open())
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(state().toString());
        assertThat(state().resolve("keep-me")).hasContent("x");
    }

    @Test
    void aFailedBackgroundSnapshotNeverLetsTheNextRotationOverwriteItsJournal() throws Exception {
        boolean[] snapshotsFail = {true};
        FileOpener failingSnapshots = (path, options) -> {
            if (snapshotsFail[0] && path.getFileName().toString().endsWith(".tmp")) {
                throw new java.io.IOException("No space left on device");
            }
            return java.nio.channels.FileChannel.open(path, options);
        };
        List<UUID> ids = new java.util.ArrayList<>();
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).fileOpener(failingSnapshots)
                .compactionThresholdBytes(2_000).open()) {
            for (int i = 0; i < 60; i++) {
                ids.add(store.insert(newTask("task " + i, Instant.now())).join().id());
                Thread.sleep(2);
            }
            Path image = Files.createDirectory(dir.resolve("crash"));
            for (String name : List.of("state_dump.json", "state_dump.json.journal", "state_dump.json.journal.old")) {
                if (Files.exists(dir.resolve(name))) {
                    Files.copy(dir.resolve(name), image.resolve(name));
                }
            }
            try (JsonFileStateStore afterCrash = JsonFileStateStore.builder(image.resolve("state_dump.json")).open()) {
                assertThat(afterCrash.list(TaskQuery.firstPage(100)).tasks()).extracting(VenomTask::id)
                        .containsExactlyElementsOf(ids);
            }
            snapshotsFail[0] = false;
        }
    }

    @Test
    void aSnapshotAfterAFailedWriteDoesNotBringTheRefusedTaskBack() {
        FullDisk disk = new FullDisk();
        VenomTask refused = newTask("refused", Instant.now());
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).fileOpener(disk).open()) {
            disk.fill();
            assertThatThrownBy(() -> store.insert(refused).join()).hasCauseInstanceOf(StoreException.class);
            disk.free();
        }
        try (JsonFileStateStore reopened = JsonFileStateStore.builder(state()).open()) {
            assertThat(reopened.find(refused.id())).isEmpty();
        }
    }
}
