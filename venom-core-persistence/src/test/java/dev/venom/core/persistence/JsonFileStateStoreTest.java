package dev.venom.core.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.Misfire;
import dev.venom.core.engine.Recurrence;
import dev.venom.core.engine.Schedule;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskQuery;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonFileStateStoreTest {

    private static final Duration LEASE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<JsonFileStateStore> opened = new ArrayList<>();

    private Path state() {
        return dir.resolve("state_dump.json");
    }

    private JsonFileStateStore open(Path file) {
        JsonFileStateStore store = JsonFileStateStore.builder(file).open();
        opened.add(store);
        return store;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(JsonFileStateStore::close);
    }

    private static VenomTask newTask(String content) {
        return VenomTask.create(UUID.randomUUID(), content, Instant.now());
    }

    /** A copy of the state directory as a crash would leave it: what is on disk now, nothing more. */
    private Path crashImage() throws IOException {
        return crashImage(dir);
    }

    private Path crashImage(Path from) throws IOException {
        return CrashImage.take(from, dir);
    }

    /** The journal's lines, without the zeros the writer allocates ahead of its end. */
    private static String journalText(Path journal) throws IOException {
        String text = Files.readString(journal);
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '\0') {
            end--;
        }
        return text.substring(0, end);
    }

    private static List<Path> filesStartingWith(Path dir, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        }
    }

    @Test
    void acknowledgedInsertIsOnDiskBeforeAnySnapshot() throws Exception {
        JsonFileStateStore store = open(state());
        VenomTask task = store.insert(newTask("durable")).join();

        JsonFileStateStore afterCrash = open(crashImage());

        VenomTask found = afterCrash.find(task.id()).orElseThrow();
        assertThat(found.content()).isEqualTo("durable");
        assertThat(found.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(found.logs()).last().asString().startsWith("Recovered after restart: ");
    }

    @Test
    void aRunningStoreKeepsItsSnapshotFileCurrentForThoseWhoReadIt() throws Exception {
        // given a store that keeps its snapshot live
        JsonFileStateStore store = JsonFileStateStore.builder(state()).liveSnapshot(Duration.ofMillis(100)).open();
        ObjectMapper json = new ObjectMapper();

        // when a task is added, and then claimed
        VenomTask task = store.insert(newTask("watched")).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(state())
                && Files.readString(state()).contains(task.id().toString()));
        store.claim(ClaimRequest.of("node-a", 1, Duration.ofSeconds(30)));

        // then the file on disk, in the original's format, shows each state soon after, while the store runs
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            JsonNode tasks = json.readTree(Files.readString(state())).get("tasks");
            return tasks.size() == 1 && tasks.get(0).get("status").asText().equals("PROCESSING");
        });
        store.close();
    }

    @Test
    void contentWithAnUnpairedSurrogateIsKeptExactlyThroughTheJournalASnapshotAndARestart() throws Exception {
        String sent = "a\ud800b";
        JsonFileStateStore store = open(state());
        VenomTask task = store.insert(newTask(sent)).join();

        assertThat(store.find(task.id()).orElseThrow().content()).isEqualTo(sent);
        assertThat(open(crashImage()).find(task.id()).orElseThrow().content()).as("from the journal").isEqualTo(sent);
        store.close();
        assertThat(open(state()).find(task.id()).orElseThrow().content()).as("from the snapshot").isEqualTo(sent);
    }

    @Test
    void inPolishTheRecoveryAfterARestartIsWrittenInPolish() throws Exception {
        JsonFileStateStore store = JsonFileStateStore.builder(state()).language(TaskLog.PL).open();
        VenomTask task = store.insert(newTask("przerwane")).join();

        JsonFileStateStore afterCrash = JsonFileStateStore.builder(crashImage()).language(TaskLog.PL).open();

        assertThat(afterCrash.find(task.id()).orElseThrow().logs()).last().asString()
                .startsWith("Wznowiono po restarcie: ");
        afterCrash.close();
        store.close();
    }

    @Test
    void aTaskStoredAlreadyClaimedIsOnDiskAtOnceAndRunsAgainAfterACrash() throws Exception {
        JsonFileStateStore store = open(state());
        Claim claim = store.insertClaimed(newTask("arrived"), "node", LEASE).join().orElseThrow();

        JsonFileStateStore afterCrash = open(crashImage());

        VenomTask found = afterCrash.find(claim.task().id()).orElseThrow();
        assertThat(found.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(found.logs()).hasSize(3).startsWith(claim.task().logs().toArray(String[]::new))
                .last().asString().startsWith("Recovered after restart: ");
        assertThat(afterCrash.claim(ClaimRequest.of("node", 10, LEASE))).extracting(c -> c.task().id())
                .containsExactly(claim.task().id());
    }

    @Test
    void optionsKeysAndCancellationsAreReplayedFromTheJournalAfterACrash() throws Exception {
        JsonFileStateStore store = open(state());
        Instant later = Instant.parse("2099-01-01T00:00:00Z");
        VenomTask delayed = store.insert(VenomTask.create(UUID.randomUUID(), new TaskRequest("d").withPriority(8)
                .withMaxAttempts(4).withRunAt(later).withTimeoutMs(700), 1, "key-d", Instant.now())).join();
        VenomTask cancelled = store.insert(newTask("c")).join();
        store.update(cancelled, cancelled.cancel(Instant.now())).join();
        store.insert(VenomTask.create(UUID.randomUUID(), new TaskRequest("r").withMaxAttempts(2), 1, null,
                Instant.now())).join();
        Claim claim = store.claim(ClaimRequest.of("node", 1, LEASE)).get(0);
        VenomTask retried = store.update(claim.task(), claim.task().retry("boom", later, Instant.now())).join()
                .orElseThrow();

        JsonFileStateStore afterCrash = open(crashImage());

        VenomTask replayed = afterCrash.find(delayed.id()).orElseThrow();
        assertThat(replayed).usingRecursiveComparison().ignoringFields("logs", "version", "updatedAt")
                .isEqualTo(delayed);
        assertThat(afterCrash.find(cancelled.id()).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
        VenomTask retriedAfter = afterCrash.find(retried.id()).orElseThrow();
        assertThat(retriedAfter.runAt()).isEqualTo(later);
        assertThat(retriedAfter.attempts()).isEqualTo(1);
        assertThat(afterCrash.claim(ClaimRequest.of("node", 10, LEASE))).isEmpty();
        VenomTask repeat = afterCrash.insert(VenomTask.create(UUID.randomUUID(), new TaskRequest("d"), 1, "key-d",
                Instant.now())).join();
        assertThat(repeat.id()).isEqualTo(delayed.id());
        assertThat(afterCrash.count(TaskStatus.PENDING)).isEqualTo(2);
    }

    @Test
    void unfinishedTasksAreRecoveredOnceAndFinishedOnesKeptAsTheyWere() throws Exception {
        JsonFileStateStore store = open(state());
        store.insert(newTask("done")).join();
        store.insert(newTask("running")).join();
        store.insert(newTask("waiting")).join();
        List<Claim> claims = store.claim(ClaimRequest.of("node", 2, LEASE));
        VenomTask done = store.update(claims.get(0).task(), claims.get(0).task().complete("ok", Instant.now()))
                .join().orElseThrow();

        JsonFileStateStore afterCrash = open(crashImage());

        assertThat(afterCrash.recoveredAtOpen()).isEqualTo(2);
        assertThat(afterCrash.find(done.id()).orElseThrow().logs()).isEqualTo(done.logs());
        VenomTask running = afterCrash.find(claims.get(1).task().id()).orElseThrow();
        assertThat(running.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(running.logs()).hasSize(3).last().asString().startsWith("Recovered after restart: ");
        assertThat(afterCrash.claim(ClaimRequest.of("node", 10, LEASE))).hasSize(2);
    }

    @Test
    void closeWritesTheSnapshotInTheOriginalFormatAndEmptiesTheJournal() throws Exception {
        JsonFileStateStore store = open(state());
        VenomTask task = store.insert(newTask("Zażółć 🐍")).join();

        store.close();

        JsonNode snapshot = new ObjectMapper().readTree(state().toFile());
        assertThat(snapshot.fieldNames()).toIterable().containsExactly("tasks");
        assertThat(snapshot.get("tasks")).hasSize(1);
        JsonNode written = snapshot.get("tasks").get(0);
        assertThat(written.get("id").asText()).isEqualTo(task.id().toString());
        assertThat(written.get("content").asText()).isEqualTo("Zażółć 🐍");
        assertThat(written.get("created_at").asText()).endsWith("Z");
        assertThat(written.has("result")).isTrue();
        assertThat(Files.size(dir.resolve("state_dump.json.journal"))).isZero();
        assertThat(open(state()).find(task.id())).isPresent();
    }

    @Test
    void loadsAStateFileWrittenByTheOriginalServiceAndRunsItsInterruptedTasksAgain() throws Exception {
        Files.copy(Path.of("src/test/resources/fixtures/original-state_dump.json"), state());

        JsonFileStateStore store = open(state());

        List<VenomTask> all = store.list(TaskQuery.firstPage(100)).tasks();
        assertThat(all).hasSize(6);
        assertThat(all).extracting(VenomTask::content).startsWith("Napisz raport", "Zażółć gęślą jaźń ✓");
        VenomTask first = all.get(0);
        assertThat(first.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(first.createdAt()).isEqualTo(Instant.parse("2026-11-27T03:08:38.122912Z"));
        assertThat(first.logs()).containsExactly(
                "Zadanie uruchomione: 2026-11-27T03:08:38.123361",
                "Rozpoczęto przetwarzanie: 2026-11-27T03:08:38.127381",
                "Zakończono przetwarzanie: 2026-11-27T03:08:40.130367");
        assertThat(first.attempts()).as("it ran once").isEqualTo(1);
        assertThat(first.finishedAt()).as("its last line's time").isEqualTo(Instant.parse("2026-11-27T03:08:40.130367Z"));
        assertThat(store.recoveredAtOpen()).isEqualTo(2);
        assertThat(all.subList(4, 6)).allSatisfy(task -> {
            assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
            assertThat(task.logs()).last().asString().startsWith("Recovered after restart: ");
        });
    }

    @Test
    void corruptSnapshotIsMovedAsideUntouchedAndTheStoreStartsEmpty() throws Exception {
        byte[] garbage = "{\"tasks\": [ {\"id\": \"not-a-uuid\"".getBytes(StandardCharsets.UTF_8);
        Files.write(state(), garbage);

        JsonFileStateStore store = open(state());

        assertThat(store.list(TaskQuery.firstPage(10)).tasks()).isEmpty();
        List<Path> aside = filesStartingWith(dir, "state_dump.json.corrupt-");
        assertThat(aside).hasSize(1);
        assertThat(Files.readAllBytes(aside.get(0))).isEqualTo(garbage);
        VenomTask task = store.insert(newTask("after")).join();
        store.close();
        assertThat(open(state()).find(task.id())).isPresent();
        assertThat(Files.readAllBytes(aside.get(0))).isEqualTo(garbage);
    }

    @Test
    void tornLastJournalLineIsDroppedAndTheRestApplied() throws Exception {
        JsonFileStateStore store = open(state());
        VenomTask kept = store.insert(newTask("kept")).join();
        Path image = crashImage();
        Path journal = image.resolveSibling("state_dump.json.journal");
        Files.writeString(journal, journalText(journal) + "{\"id\":\"9a1b");

        JsonFileStateStore afterCrash = open(image);

        assertThat(afterCrash.list(TaskQuery.firstPage(10)).tasks()).extracting(VenomTask::id)
                .containsExactly(kept.id());
        VenomTask next = afterCrash.insert(newTask("next")).join();
        afterCrash.close();
        assertThat(open(image).find(next.id())).isPresent();
    }

    @Test
    void aBatchIsOneJournalLineSoACrashInItKeepsAllOfItOrNone() throws Exception {
        JsonFileStateStore store = open(state());
        VenomTask before = store.insert(newTask("before")).join();
        List<VenomTask> batch = List.of(newTask("b1"), newTask("b2"), newTask("b3"));
        store.insertAll(batch).join();
        Path whole = crashImage();
        Path torn = crashImage();
        Path journal = torn.resolveSibling("state_dump.json.journal");
        String text = journalText(journal);
        assertThat(text.lines().filter(line -> line.startsWith("{\"batch\":"))).hasSize(1);
        Files.writeString(journal, text.substring(0, text.lastIndexOf("b3")));

        assertThat(open(whole).list(TaskQuery.firstPage(10)).tasks()).extracting(VenomTask::content)
                .containsExactly("before", "b1", "b2", "b3");
        assertThat(open(torn).list(TaskQuery.firstPage(10)).tasks()).extracting(VenomTask::id)
                .containsExactly(before.id());
    }

    @Test
    void aDependencysEndAndItsDependentsReleaseAreOneJournalLineSoACrashKeepsBothOrNeither() throws Exception {
        JsonFileStateStore store = open(state());
        VenomTask a = store.insert(newTask("a")).join();
        VenomTask waiting = store.insert(VenomTask.create(UUID.randomUUID(), new TaskRequest("b")
                .withDependsOn(List.of(a.id())), 1, null, Instant.now())).join();
        Claim claim = store.claim(ClaimRequest.of("n", 1, Duration.ofSeconds(30))).get(0);
        Path beforeTheEnd = crashImage();
        store.update(claim.task(), claim.task().complete("a done", Instant.now())).join().orElseThrow();
        Path whole = crashImage();
        Path torn = crashImage();
        Path journal = torn.resolveSibling("state_dump.json.journal");
        String text = journalText(journal);
        assertThat(text.lines().toList()).last().asString().startsWith("{\"batch\":").contains("a done");
        Files.writeString(journal, text.substring(0, text.lastIndexOf("Dependencies completed")));

        JsonFileStateStore afterBoth = open(whole);
        assertThat(afterBoth.find(a.id()).orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(afterBoth.find(waiting.id()).orElseThrow().waitingOn()).isEmpty();
        assertThat(afterBoth.claim(ClaimRequest.of("n", 5, Duration.ofSeconds(30))))
                .extracting(c -> c.task().id()).containsExactly(waiting.id());
        for (Path neither : List.of(torn, beforeTheEnd)) {
            JsonFileStateStore reopened = open(neither);
            assertThat(reopened.find(a.id()).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
            assertThat(reopened.find(waiting.id()).orElseThrow().waitingOn()).containsExactly(a.id());
            assertThat(reopened.claim(ClaimRequest.of("n", 5, Duration.ofSeconds(30))))
                    .extracting(c -> c.task().id()).containsExactly(a.id());
        }
    }

    @Test
    void schedulesAreOnDiskWhenTheirWritesCompleteAndAnUnreadableFileIsMovedAside() throws Exception {
        JsonFileStateStore store = open(state());
        Schedule schedule = store.insertSchedule(Schedule.create(
                "nightly", Recurrence.cron("30 2 * * *", "Europe/Warsaw"),
                new TaskRequest("report"), Misfire.SKIP, Instant.now())).join();
        Schedule paused = store.updateSchedule(schedule, schedule.withPaused(true,
                Instant.now())).join().orElseThrow();

        assertThat(open(crashImage()).schedules()).containsExactly(paused);
        Path corrupt = crashImage();
        Files.writeString(corrupt.resolveSibling("state_dump.json.schedules"), "{\"schedules\": [{\"name\": 7}");
        assertThat(open(corrupt).schedules()).isEmpty();
        assertThat(filesStartingWith(corrupt.getParent(), "state_dump.json.schedules.corrupt-")).hasSize(1);
    }

    @Test
    void garbageInTheMiddleOfTheJournalIsKeptAsideAndTheReadableChangesApply() throws Exception {
        JsonFileStateStore store = open(state());
        VenomTask before = store.insert(newTask("before")).join();
        Path image = crashImage();
        Path journal = image.resolveSibling("state_dump.json.journal");
        Files.writeString(journal, journalText(journal) + "#### not json ####\n");
        VenomTask after = newTask("after");
        Files.writeString(journal, JsonMapper.builder().addModule(new JavaTimeModule()).build().writeValueAsString(after) + "\n", java.nio.file.StandardOpenOption.APPEND);
        byte[] damaged = Files.readAllBytes(journal);

        JsonFileStateStore reopened = open(image);

        assertThat(reopened.find(before.id())).isPresent();
        assertThat(reopened.find(after.id())).isPresent();
        List<Path> aside = filesStartingWith(image.getParent(), "state_dump.json.journal.corrupt-");
        assertThat(aside).hasSize(1);
        assertThat(Files.readAllBytes(aside.get(0))).isEqualTo(damaged);
    }

    @Test
    void aSecondStoreOnTheSameFileFailsFastWithAClearMessage() {
        open(state());

        assertThatThrownBy(() -> open(state()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("in use by another Venom process")
                .hasMessageContaining(state().toString());
    }

    @Test
    void anUnusableDirectoryFailsFastNamingIt() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");

        assertThatThrownBy(() -> open(notADirectory.resolve("state_dump.json")))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(notADirectory.toString());
    }

    @Test
    void journalPastTheThresholdIsFoldedIntoTheSnapshot() throws Exception {
        JsonFileStateStore store = JsonFileStateStore.builder(state()).compactionThresholdBytes(2_000).open();
        opened.add(store);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ids.add(store.insert(newTask("task " + i)).join().id());
        }

        // Folded once no snapshot is being written and the journal is back under the snapshot's size; a journal
        // that crossed the threshold while the last snapshot was written is folded too, with no write to come.
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(state())
                && !Files.exists(dir.resolve("state_dump.json.journal.old"))
                && journalText(dir.resolve("state_dump.json.journal")).length() < Files.size(state()));

        JsonFileStateStore afterCrash = open(crashImage());
        assertThat(afterCrash.list(TaskQuery.firstPage(100)).tasks()).extracting(VenomTask::id)
                .containsExactlyElementsOf(ids);
    }

    @Test
    void aStateFileOverTenMebibytesLoadsInFull() throws Exception {
        JsonFileStateStore store = open(state());
        String content = "x".repeat(1_000);
        List<java.util.concurrent.CompletableFuture<VenomTask>> writes = new ArrayList<>();
        for (int i = 0; i < 11_000; i++) {
            writes.add(store.insert(newTask(content)));
        }
        writes.forEach(java.util.concurrent.CompletableFuture::join);
        store.close();
        assertThat(Files.size(state())).isGreaterThan(10L * 1024 * 1024);

        assertThat(open(state()).list(TaskQuery.firstPage(1000)).nextCursor()).isPresent();
        assertThat(filesStartingWith(dir, "state_dump.json.corrupt-")).isEmpty();
    }

    @Test
    void aJournalLeftByAnInterruptedSnapshotIsReplayedBeforeTheCurrentOne() throws Exception {
        JsonFileStateStore store = open(state());
        VenomTask first = store.insert(newTask("first")).join();
        Path early = crashImage();
        VenomTask second = store.insert(newTask("second")).join();
        Path late = crashImage();
        String earlyLines = journalText(early.resolveSibling("state_dump.json.journal"));
        String allLines = journalText(late.resolveSibling("state_dump.json.journal"));
        Path image = Files.createDirectory(dir.resolve("interrupted")).resolve("state_dump.json");
        Files.writeString(image.resolveSibling("state_dump.json.journal.old"), earlyLines);
        Files.writeString(image.resolveSibling("state_dump.json.journal"), allLines.substring(earlyLines.length()));

        JsonFileStateStore reopened = open(image);

        assertThat(reopened.list(TaskQuery.firstPage(10)).tasks()).extracting(VenomTask::id)
                .containsExactly(first.id(), second.id());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> !Files.exists(image.resolveSibling("state_dump.json.journal.old")));
        assertThat(Files.readString(image)).contains(first.id().toString(), second.id().toString());
    }

    @Test
    void aRestartIsOneJournalLineThatReplaysAsTheSameRecovery() throws Exception {
        JsonFileStateStore first = open(state());
        VenomTask a = first.insert(newTask("a")).join();
        Path firstCrash = crashImage();
        JsonFileStateStore second = open(firstCrash);
        VenomTask b = second.insert(newTask("b")).join();
        List<String> journal = Files.readAllLines(firstCrash.resolveSibling("state_dump.json.journal"));

        JsonFileStateStore third = open(crashImage(firstCrash.getParent()));

        assertThat(journal).filteredOn(line -> line.startsWith("{\"recovered\":")).hasSize(1);
        assertThat(third.recoveredAtOpen()).isEqualTo(2);
        assertThat(third.find(a.id()).orElseThrow().logs())
                .filteredOn(line -> line.startsWith("Recovered after restart: ")).hasSize(2);
        assertThat(third.find(b.id()).orElseThrow().logs())
                .filteredOn(line -> line.startsWith("Recovered after restart: ")).hasSize(1);
        assertThat(third.claim(ClaimRequest.of("node", 10, LEASE))).hasSize(2);
    }

    @Test
    void theZerosWrittenAheadEndTheJournalWithoutAWarningOrLoss() throws Exception {
        JsonFileStateStore store = open(state());
        VenomTask task = store.insert(newTask("kept")).join();
        Path image = crashImage();
        Path journal = image.resolveSibling("state_dump.json.journal");
        assertThat(Files.size(journal)).isGreaterThan(journalText(journal).length());

        JsonFileStateStore reopened = open(image);

        assertThat(reopened.find(task.id())).isPresent();
        assertThat(filesStartingWith(image.getParent(), "state_dump.json.journal.corrupt-")).isEmpty();
        VenomTask next = reopened.insert(newTask("next")).join();
        reopened.close();
        assertThat(open(image).find(next.id())).isPresent();
    }
    @Test
    void aPauseIsOnDiskWhenItCompletesAndSurvivesACrash() throws IOException {
        JsonFileStateStore store = open(state());
        VenomTask waiting = store.insert(VenomTask.create(UUID.randomUUID(), new TaskRequest("w").withQueue("reports"),
                1, null, Instant.now())).join();

        store.pause("reports", true).join();
        store.pause(dev.venom.core.engine.QueueState.ALL, true).join();
        store.pause(dev.venom.core.engine.QueueState.ALL, false).join();
        store.pause("audits", true).join();
        JsonFileStateStore afterCrash = open(crashImage());

        assertThat(afterCrash.queues()).contains(new dev.venom.core.engine.QueueState("audits", true),
                new dev.venom.core.engine.QueueState("reports", false));
        assertThat(afterCrash.queues()).doesNotContain(new dev.venom.core.engine.QueueState(
                dev.venom.core.engine.QueueState.ALL, true));
        assertThat(afterCrash.find(waiting.id()).orElseThrow().queue()).isEqualTo("reports");
        assertThat(Files.readString(state().resolveSibling("state_dump.json.queues")))
                .isEqualTo("{\"paused\":[\"audits\"]}");
    }

    @Test
    void aPausedQueueStaysPausedAcrossAStopAndItsTasksAreNotClaimed() {
        JsonFileStateStore store = open(state());
        store.insert(VenomTask.create(UUID.randomUUID(), new TaskRequest("w").withQueue("reports"), 1, null,
                Instant.now())).join();
        store.pause("reports", true).join();
        store.close();

        JsonFileStateStore reopened = open(state());

        assertThat(reopened.queues()).contains(new dev.venom.core.engine.QueueState("reports", true));
        assertThat(reopened.claim(new ClaimRequest("n", Duration.ofSeconds(30), java.util.Map.of("reports", 5))))
                .isEmpty();
    }

    @Test
    void anUnreadablePausedQueuesFileIsMovedAsideAndNoQueueIsPaused() throws IOException {
        Files.writeString(state().resolveSibling("state_dump.json.queues"), "{not json");

        JsonFileStateStore store = open(state());

        assertThat(store.queues()).noneMatch(dev.venom.core.engine.QueueState::paused);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(path -> path.getFileName().toString()))
                    .anyMatch(name -> name.startsWith("state_dump.json.queues.corrupt-"));
        }
    }

    @Test
    void aSecondUnreadablePausedQueuesFileInTheSameSecondIsMovedAsideBesideTheFirst() throws IOException {
        Clock frozen = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);
        Path queues = state().resolveSibling("state_dump.json.queues");
        Files.writeString(queues, "{first");
        JsonFileStateStore.builder(state()).clock(frozen).open().close();
        Files.writeString(queues, "{second");

        JsonFileStateStore.builder(state()).clock(frozen).open().close();

        List<Path> aside = filesStartingWith(dir, "state_dump.json.queues.corrupt-");
        assertThat(aside).hasSize(2);
        assertThat(aside.stream().map(path -> {
            try {
                return Files.readString(path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })).containsExactlyInAnyOrder("{first", "{second");
    }

    @Test
    void aTaskLongerThanJacksonReadsByDefaultIsReadBackFromTheSnapshotAndFromTheJournal() throws IOException {
        VenomTask large = newTask("x".repeat(20_000_001));
        Path image;
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).open()) {
            store.insert(large).join();
            image = crashImage(); // the journal alone: no snapshot yet
        }
        try (JsonFileStateStore fromSnapshot = JsonFileStateStore.builder(state()).open()) {
            assertThat(fromSnapshot.find(large.id())).get().extracting(VenomTask::content)
                    .isEqualTo(large.content());
        }

        try (JsonFileStateStore fromJournal = JsonFileStateStore.builder(image).open()) {
            assertThat(fromJournal.find(large.id())).get().extracting(VenomTask::content)
                    .isEqualTo(large.content());
        }
        assertThat(filesStartingWith(dir, "state_dump.json")).noneMatch(path -> path.toString().contains("corrupt"));
        assertThat(filesStartingWith(image.getParent(), "state_dump.json"))
                .noneMatch(path -> path.toString().contains("corrupt"));
    }
}
