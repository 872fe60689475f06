package dev.venom.core.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.venom.core.engine.QueueState;
import dev.venom.core.engine.StoreException;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store under the faults a hostile machine deals: no heap mid-write, a disk with little or no room. */
class JsonFileStateStoreFaultTest {

    @TempDir
    Path dir;

    private Path state() {
        return dir.resolve("state_dump.json");
    }

    private static VenomTask newTask(String content) {
        return VenomTask.create(UUID.randomUUID(), content, Instant.now());
    }

    @Test
    void anOutOfMemoryErrorInTheMiddleOfAWriteFailsThatWriteAndTheWriterCarriesOn() {
        FullDisk disk = new FullDisk();
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).fileOpener(disk).open()) {
            disk.failNextWrite(new OutOfMemoryError("Java heap space"));

            VenomTask refused = newTask("refused");
            assertThatThrownBy(() -> store.insert(refused).join())
                    .hasCauseInstanceOf(StoreException.class)
                    .hasMessageContaining("OutOfMemoryError");
            VenomTask after = store.insert(newTask("after")).join();

            assertThat(store.find(refused.id())).isEmpty();
            assertThat(store.find(after.id())).isPresent();
            assertThat(store.problem()).isEmpty();
        }
        try (JsonFileStateStore reopened = JsonFileStateStore.builder(state()).open()) {
            assertThat(reopened.size()).isEqualTo(1);
        }
    }

    @Test
    void aDiskWithLessRoomThanTheJournalWritesAheadStillTakesTheChangesThatFit() {
        FullDisk disk = new FullDisk();
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).fileOpener(disk).open()) {
            disk.leave(64 * 1024);

            VenomTask stored = store.insert(newTask("fits")).join();

            assertThat(store.find(stored.id())).isPresent();
            assertThat(store.problem()).isEmpty();
        }
        try (JsonFileStateStore reopened = JsonFileStateStore.builder(state()).open()) {
            assertThat(reopened.find(newestId(reopened))).isPresent();
            assertThat(reopened.size()).isEqualTo(1);
        }
    }

    @Test
    void afterAFailedWriteReadinessAsksTheJournalItselfNotASmallFileBesideIt() {
        FullDisk disk = new FullDisk();
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).fileOpener(disk).open()) {
            assertThat(store.problem()).isEmpty();
            disk.fill();
            assertThatThrownBy(() -> store.insert(newTask("refused")).join()).isInstanceOf(CompletionException.class);

            disk.leave(8 * 1024); // room for a small file, not for the journal to go on
            assertThat(store.problem()).get().asString().startsWith("cannot write journal");

            disk.free();
            assertThat(store.problem()).as("ready again before any task is written").isEmpty();
            assertThat(store.insert(newTask("after")).join().status()).isEqualTo(TaskStatus.PENDING);
        }
    }

    @Test
    void aRestartOnAFullDiskServesReadsAndRefusesWritesUntilTheRecoveryIsOnDisk() throws IOException {
        VenomTask waiting;
        try (JsonFileStateStore first = JsonFileStateStore.builder(state()).open()) {
            waiting = first.insert(newTask("waiting")).join();
            Path image = Files.createDirectory(dir.resolve("crash"));
            Files.copy(dir.resolve("state_dump.json.journal"), image.resolve("state_dump.json.journal"));
        }
        Files.delete(state()); // the clean stop's snapshot: the restart starts from the crash image instead
        Files.delete(dir.resolve("state_dump.json.journal"));
        Files.move(dir.resolve("crash/state_dump.json.journal"), dir.resolve("state_dump.json.journal"));

        FullDisk disk = new FullDisk();
        disk.fill();
        try (JsonFileStateStore restarted = JsonFileStateStore.builder(state()).fileOpener(disk).open()) {
            assertThat(restarted.find(waiting.id())).get().extracting(VenomTask::status).isEqualTo(TaskStatus.PENDING);
            assertThat(restarted.problem()).isPresent();
            assertThatThrownBy(() -> restarted.insert(newTask("refused")).join())
                    .hasCauseInstanceOf(StoreException.class);

            disk.free();
            assertThat(restarted.problem()).isEmpty();
            restarted.insert(newTask("after")).join();
            Files.copy(dir.resolve("state_dump.json.journal"), dir.resolve("journal-after-restart"));
        }
        String journal = Files.readString(dir.resolve("journal-after-restart"));
        assertThat(journal).contains("Recovered after restart: ").contains("\"after\"").doesNotContain("refused");
        assertThat(journal.indexOf("Recovered after restart: ")).isLessThan(journal.indexOf("\"after\""));
    }

    /**
     * A factory whose generators give up on the content {@code UNENCODABLE} after writing part of the line:
     * the journal's (it asks for a generator on a stream alone), not the snapshot's, which still writes it.
     */
    private static final class GivingUpFactory extends JsonFactory {
        static final String UNENCODABLE = "cannot be encoded";

        @Override
        public JsonGenerator createGenerator(OutputStream out) throws IOException {
            return new JsonGeneratorDelegate(super.createGenerator(out)) {
                @Override
                public void writeStringField(String name, String value) throws IOException {
                    if (UNENCODABLE.equals(value)) {
                        writeFieldName(name);
                        throw new JsonGenerationException("gave up on " + name, this);
                    }
                    super.writeStringField(name, value);
                }
            };
        }
    }

    @Test
    void aChangeThatCannotBeEncodedLeavesNothingOfItselfInTheJournalForTheNextChange() throws IOException {
        ObjectMapper mapper = JsonMapper.builder(new GivingUpFactory()).addModule(new JavaTimeModule()).build();
        VenomTask next;
        Path image;
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).mapper(mapper).open()) {
            assertThatThrownBy(() -> store.insert(newTask(GivingUpFactory.UNENCODABLE)).join())
                    .hasCauseInstanceOf(StoreException.class).hasMessageContaining("cannot encode");

            next = store.insert(newTask("next")).join();
            image = CrashImage.take(dir, dir);
        }

        try (JsonFileStateStore restarted = JsonFileStateStore.builder(image).open()) {
            assertThat(restarted.find(next.id())).as("the change acknowledged after the one refused").isPresent();
            assertThat(restarted.size()).isEqualTo(1);
        }
        try (var files = Files.list(image.getParent())) {
            assertThat(files.map(path -> path.getFileName().toString())).noneMatch(name -> name.contains("corrupt"));
        }
    }

    @Test
    void aSnapshotTakenWhileAChangeWaitedToBeEncodedDoesNotKeepThatChangeWhenItCannotBe() throws Exception {
        ObjectMapper mapper = JsonMapper.builder(new GivingUpFactory()).addModule(new JavaTimeModule()).build();
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        CommitObserver heldOnce = (changes, nanos) -> {
            if (first.getAndSet(false)) {
                writing.countDown();
                await(goOn);
            }
        };
        FullDisk disk = new FullDisk(); // with room to spare: it only records what every snapshot wrote
        disk.recordWritesTo(".tmp");
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).mapper(mapper).commitObserver(heldOnce)
                .fileOpener(disk).compactionThresholdBytes(1).open()) {
            // given the writer held in its first commit, after which the journal is over its threshold
            CompletableFuture<VenomTask> kept = store.insert(newTask("kept"));
            await(writing);
            // when a change it cannot encode waits behind it, and the snapshot that commit asks for is taken
            CompletableFuture<VenomTask> refused = store.insert(newTask(GivingUpFactory.UNENCODABLE));
            goOn.countDown();

            assertThat(kept.join().content()).isEqualTo("kept");
            assertThatThrownBy(refused::join).hasCauseInstanceOf(StoreException.class);
        } // the close waits for the snapshot that commit asked for, and writes its own

        assertThat(disk.recorded()).as("every snapshot written").contains("\"kept\"")
                .doesNotContain(GivingUpFactory.UNENCODABLE);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void aPauseTheDiskTakesOnlyPartOfIsRefusedAndKeepsThePausesRecordedBefore() throws IOException {
        FullDisk disk = new FullDisk();
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).fileOpener(disk).open()) {
            store.pause("reports", true).join();
            disk.shortWritesTo(".queues.tmp");

            assertThatThrownBy(() -> store.pause("audits", true).join()).hasCauseInstanceOf(StoreException.class)
                    .hasMessageContaining("No space left on device");

            assertThat(store.queues()).contains(new QueueState("reports", true)).doesNotContain(
                    new QueueState("audits", true));
        }
        try (JsonFileStateStore reopened = JsonFileStateStore.builder(state()).open();
             var files = Files.list(dir)) {
            assertThat(reopened.queues()).contains(new QueueState("reports", true));
            assertThat(files.map(path -> path.getFileName().toString()))
                    .noneMatch(name -> name.contains("corrupt") || name.endsWith(".tmp"));
        }
    }

    @Test
    void aRestartOnAFullDiskIsNotReadyWhileThereIsRoomForTheOwedRecoveryLineButNotForTheRefusedTask()
            throws IOException {
        Path image;
        try (JsonFileStateStore first = JsonFileStateStore.builder(state()).open()) {
            first.insert(newTask("waiting")).join();
            image = CrashImage.take(dir, dir);
        }
        FullDisk disk = new FullDisk();
        disk.fill();
        try (JsonFileStateStore restarted = JsonFileStateStore.builder(image).fileOpener(disk).open()) {
            disk.leave(4 * 1024); // the recovery line fits; a task of 64 KiB does not
            assertThatThrownBy(() -> restarted.insert(newTask("x".repeat(64 * 1024))).join())
                    .hasCauseInstanceOf(StoreException.class);

            assertThat(restarted.problem()).as("room for the recovery line alone is no room for the refused write")
                    .get().asString().startsWith("cannot write journal");

            disk.free();
            assertThat(restarted.problem()).isEmpty();
            assertThat(restarted.insert(newTask("x".repeat(64 * 1024))).join().status())
                    .isEqualTo(TaskStatus.PENDING);
            Files.copy(image.resolveSibling("state_dump.json.journal"), dir.resolve("journal-after-restart"));
        }
        String journal = Files.readString(dir.resolve("journal-after-restart"));
        assertThat(journal.split("Recovered after restart: ", -1)).as("the recovery line, written once").hasSize(2);
        assertThat(journal.indexOf("Recovered after restart: ")).isLessThan(journal.indexOf("xxxx"));
    }

    @Test
    void aSnapshotThatKeepsFailingIsRetriedAfterAPauseAndLeavesNoTempFileBehind() throws Exception {
        FullDisk disk = new FullDisk();
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).fileOpener(disk)
                .compactionThresholdBytes(2_000).open()) {
            disk.refuseFilesEndingWith(".tmp");
            long started = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                store.insert(newTask("task " + i)).join();
            }
            int attemptsWhileFull = disk.openedEndingWith(".tmp");
            long secondsWhileFull = (System.nanoTime() - started) / 1_000_000_000L;
            boolean tempLeft = Files.exists(dir.resolve("state_dump.json.tmp"));

            disk.free();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!Files.exists(state()) && System.nanoTime() < deadline) {
                store.insert(newTask("more")).join();
                Thread.sleep(20);
            }

            // retried after 1 s, then 2 s, 4 s...: at most one attempt a second, however many writes
            assertThat(attemptsWhileFull).as("snapshot attempts during 200 writes in " + secondsWhileFull + " s")
                    .isBetween(1, 2 + (int) secondsWhileFull);
            assertThat(tempLeft).isFalse();
            assertThat(state()).as("written once the disk has room again").exists();
        }
    }

    @Test
    void closeSaysWhetherTheFinalSnapshotWasWritten() {
        FullDisk disk = new FullDisk();
        JsonFileStateStore full = JsonFileStateStore.builder(state()).fileOpener(disk).open();
        full.insert(newTask("kept in the journal")).join();
        disk.fill();
        full.close();
        assertThat(full.savedOnClose()).isFalse();

        JsonFileStateStore healthy = JsonFileStateStore.builder(state()).open();
        assertThat(healthy.size()).isEqualTo(1);
        healthy.close();
        assertThat(healthy.savedOnClose()).isTrue();
    }

    @Test
    void aStopAfterAWriteFailedEarlierStillWritesItsSnapshot() throws IOException {
        FullDisk disk = new FullDisk();
        JsonFileStateStore store = JsonFileStateStore.builder(state()).fileOpener(disk).open();
        VenomTask kept = store.insert(newTask("kept")).join();
        disk.fill();
        assertThatThrownBy(() -> store.insert(newTask("refused")).join()).isInstanceOf(CompletionException.class);
        disk.free();

        store.close();

        assertThat(store.savedOnClose()).isTrue();
        assertThat(Files.readString(state())).contains(kept.id().toString()).doesNotContain("refused");
    }

    private static UUID newestId(JsonFileStateStore store) {
        List<VenomTask> tasks = store.list(dev.venom.core.engine.TaskQuery.firstPage(10)).tasks();
        return tasks.get(tasks.size() - 1).id();
    }
}
