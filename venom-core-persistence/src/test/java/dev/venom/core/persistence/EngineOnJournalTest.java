package dev.venom.core.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.TaskEndedException;
import dev.venom.core.engine.VenomException;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's options on the durable journal: what one run decided, the next run reads back. */
class EngineOnJournalTest {

    @TempDir
    Path dir;

    private Path state() {
        return dir.resolve("state_dump.json");
    }

    @Test
    void theWinnerOfACancelRacingCompletionIsWhatARestartReads() throws Exception {
        Map<UUID, CompletableFuture<String>> results = new ConcurrentHashMap<>();
        List<UUID> ids = new ArrayList<>();
        Map<UUID, TaskStatus> observed = new HashMap<>();
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).open();
             Orchestrator orchestrator = Orchestrator.builder().store(store).concurrency(64)
                     .pollInterval(Duration.ofMillis(20)).processor((task, ctx) -> {
                         CompletableFuture<String> result = new CompletableFuture<>();
                         results.put(task.id(), result);
                         return result;
                     }).build().start()) {
            for (int i = 0; i < 40; i++) {
                ids.add(orchestrator.submit(new TaskRequest("t" + i)).join().id());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> results.size() == ids.size());
            await().atMost(Duration.ofSeconds(10)).until(() -> store.count(TaskStatus.PROCESSING) == ids.size());
            ExecutorService racers = Executors.newFixedThreadPool(2);
            List<Future<Boolean>> cancelled = new ArrayList<>();
            for (UUID id : ids) {
                CompletableFuture<String> result = results.get(id);
                racers.submit(() -> result.complete("won"));
                cancelled.add(racers.submit(() -> cancel(orchestrator, id)));
            }
            racers.shutdown();
            assertThat(racers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> orchestrator.running() == 0);
            for (UUID id : ids) {
                observed.put(id, store.find(id).orElseThrow().status());
            }
            assertThat(observed.values()).allMatch(TaskStatus::isTerminal);
            long cancels = 0;
            for (Future<Boolean> c : cancelled) {
                cancels += c.get() ? 1 : 0;
            }
            assertThat(observed.values().stream().filter(s -> s == TaskStatus.CANCELLED).count()).isEqualTo(cancels);
        }

        try (JsonFileStateStore reopened = JsonFileStateStore.builder(state()).open()) {
            for (UUID id : ids) {
                VenomTask task = reopened.find(id).orElseThrow();
                assertThat(task.status()).as("task %s", id).isEqualTo(observed.get(id));
                assertThat(task.logs()).filteredOn(l -> l.startsWith("Cancelled") || l.startsWith("Processing completed"))
                        .hasSize(1);
            }
        }
    }

    private static boolean cancel(Orchestrator orchestrator, UUID id) {
        try {
            return orchestrator.cancel(id).join().isPresent();
        } catch (RuntimeException e) {
            assertThat(VenomException.unwrap(e)).isInstanceOf(TaskEndedException.class);
            return false;
        }
    }

    @Test
    void optionsAndIdempotencyKeysSurviveARestart() {
        Instant later = Instant.now().plusSeconds(3600);
        UUID id;
        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).open();
             Orchestrator orchestrator = Orchestrator.builder().store(store).build()) {
            id = orchestrator.submit(new TaskRequest("x").withPriority(4).withMaxAttempts(3).withRunAt(later)
                    .withTimeoutMs(900), "key-1").join().task().id();
        }

        try (JsonFileStateStore store = JsonFileStateStore.builder(state()).open();
             Orchestrator orchestrator = Orchestrator.builder().store(store).build()) {
            VenomTask task = store.find(id).orElseThrow();
            assertThat(task.priority()).isEqualTo(4);
            assertThat(task.maxAttempts()).isEqualTo(3);
            assertThat(task.runAt()).isEqualTo(later.truncatedTo(java.time.temporal.ChronoUnit.MICROS));
            assertThat(task.timeoutMs()).isEqualTo(900L);
            var repeat = orchestrator.submit(new TaskRequest("x").withPriority(4).withMaxAttempts(3).withRunAt(later)
                    .withTimeoutMs(900), "key-1").join();
            assertThat(repeat.created()).isFalse();
            assertThat(repeat.task().id()).isEqualTo(id);
        }
    }
}
