package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Tasks that run after others: through the engine's Java API, with their dependencies' results. */
class DependenciesTest {

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private final InMemoryStateStore store = new InMemoryStateStore(clock);
    private final List<String> order = new CopyOnWriteArrayList<>();
    private final Map<String, Map<UUID, String>> seen = new ConcurrentHashMap<>();
    private final List<TaskEvent> events = new CopyOnWriteArrayList<>();
    private Orchestrator orchestrator;

    /** Runs each task by naming it; a task whose content starts with "fail" fails. */
    private Orchestrator started() {
        orchestrator = Orchestrator.builder().store(store).clock(clock).nodeId("test-node").concurrency(4)
                .pollInterval(Duration.ofMillis(20)).shutdownGrace(Duration.ofMillis(200))
                .listener(event -> events.add(event))
                .processor((task, ctx) -> {
                    order.add(task.content());
                    seen.put(task.content(), ctx.dependencyResults());
                    return task.content().startsWith("fail")
                            ? CompletableFuture.failedFuture(new IllegalStateException("asked to fail"))
                            : CompletableFuture.completedFuture(task.content() + " done");
                }).build().start();
        return orchestrator;
    }

    @AfterEach
    void close() {
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    private VenomTask submit(String content, VenomTask... dependencies) {
        return orchestrator.submit(new TaskRequest(content)
                .withDependsOn(java.util.Arrays.stream(dependencies).map(VenomTask::id).toList())).join();
    }

    private VenomTask awaitEnd(VenomTask task) {
        await().atMost(Duration.ofSeconds(10)).until(() -> store.find(task.id()).orElseThrow().status().isTerminal());
        return store.find(task.id()).orElseThrow();
    }

    @Test
    void aDiamondRunsEachTaskAfterItsDependenciesAndPassesTheirResults() {
        started();
        VenomTask a = orchestrator.submit(new TaskRequest("a").withRunAt(clock.instant().plusSeconds(60))).join();
        VenomTask b = submit("b", a);
        VenomTask c = submit("c", a);
        VenomTask d = submit("d", b, c);
        assertThat(d.waitingOn()).containsExactly(b.id(), c.id());

        clock.advance(Duration.ofSeconds(61));

        assertThat(awaitEnd(d).status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(order.get(0)).isEqualTo("a");
        assertThat(order.subList(1, 3)).containsExactlyInAnyOrder("b", "c");
        assertThat(order.get(3)).isEqualTo("d");
        assertThat(seen.get("b")).containsExactly(Map.entry(a.id(), "a done"));
        assertThat(seen.get("d")).containsExactly(Map.entry(b.id(), "b done"), Map.entry(c.id(), "c done"));
        assertThat(seen.get("a")).isEmpty();
    }

    @Test
    void aFailureCancelsTheDependentsDownTheChainAndTellsListeners() {
        started();
        VenomTask a = orchestrator.submit(new TaskRequest("fail a").withRunAt(clock.instant().plusSeconds(60)))
                .join();
        VenomTask b = submit("b", a);
        VenomTask c = submit("c", b);
        VenomTask unrelated = submit("unrelated");

        clock.advance(Duration.ofSeconds(61));

        assertThat(awaitEnd(c).status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(store.find(a.id()).orElseThrow().status()).isEqualTo(TaskStatus.FAILED);
        assertThat(store.find(b.id()).orElseThrow().logs()).last().asString()
                .startsWith("Dependency " + a.id() + " ended FAILED: ");
        assertThat(store.find(c.id()).orElseThrow().logs()).last().asString()
                .startsWith("Dependency " + b.id() + " ended CANCELLED: ");
        assertThat(awaitEnd(unrelated).status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(order).containsExactlyInAnyOrder("unrelated", "fail a");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(events)
                .filteredOn(event -> event.type() == TaskEvent.Type.CANCELLED)
                .extracting(event -> event.task().id()).containsExactly(b.id(), c.id()));
    }

    @Test
    void aDependentCreatedAfterItsDependencyCompletedRunsAtOnce() {
        started();
        VenomTask a = awaitEnd(submit("a"));

        VenomTask b = submit("b", a);

        assertThat(b.waitingOn()).isEmpty();
        assertThat(awaitEnd(b).status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(seen.get("b")).containsExactly(Map.entry(a.id(), "a done"));
    }

    @Test
    void aDependentOfAFailedTaskIsCancelledAsItIsCreated() {
        started();
        VenomTask failed = awaitEnd(submit("fail"));

        VenomTask b = submit("b", failed);

        assertThat(b.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(b.logs()).last().asString().startsWith("Dependency " + failed.id() + " ended FAILED: ");
        assertThat(order).doesNotContain("b");
    }

    @Test
    void anUnknownDependencyIsRefusedSayingWhich() {
        started();
        UUID unknown = UUID.randomUUID();

        assertThatThrownBy(() -> orchestrator.submit(new TaskRequest("x").withDependsOn(List.of(unknown))).join())
                .cause().isInstanceOfSatisfying(UnknownDependencyException.class,
                        e -> assertThat(e.dependency()).isEqualTo(unknown));
        assertThat(store.count(TaskStatus.PENDING)).isZero();
    }

    @Test
    void aBatchEntryMayDependOnEarlierEntriesOnly() {
        started();
        List<VenomTask> batch = orchestrator.submitBatch(List.of(
                BatchEntry.of(new TaskRequest("plan").withRunAt(clock.instant().plusSeconds(60))),
                new BatchEntry(new TaskRequest("write"), List.of(0)),
                new BatchEntry(new TaskRequest("review"), List.of(0, 1)))).join();

        assertThat(batch.get(2).waitingOn()).containsExactly(batch.get(0).id(), batch.get(1).id());
        clock.advance(Duration.ofSeconds(61));
        assertThat(awaitEnd(batch.get(2)).status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(order).containsExactly("plan", "write", "review");
        assertThatThrownBy(() -> orchestrator.submitBatch(List.of(new BatchEntry(new TaskRequest("x"), List.of(1)),
                BatchEntry.of(new TaskRequest("y"))))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("entry 0 may depend on earlier entries only");
    }
}
