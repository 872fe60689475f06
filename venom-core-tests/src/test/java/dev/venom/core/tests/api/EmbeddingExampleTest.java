package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.TaskProcessor;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import dev.venom.core.persistence.JsonFileStateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding example, compiled and run; the README must show this code verbatim. */
class EmbeddingExampleTest {

    private static final String START = "// README example: start";
    private static final String END = "// README example: end";

    @TempDir
    Path dir;

    // README example: start
    static VenomTask shoutExample(Path stateFile) throws InterruptedException {
        TaskProcessor shout = (task, ctx) -> {
            ctx.log("Shouting");
            return CompletableFuture.completedFuture(task.content().toUpperCase(Locale.ROOT));
        };
        try (JsonFileStateStore store = JsonFileStateStore.builder(stateFile).open();
             Orchestrator orchestrator = Orchestrator.builder()
                     .store(store)
                     .processor(shout)
                     .concurrency(8)
                     .build()
                     .start()) {
            VenomTask task = orchestrator.submit(new TaskRequest("hello")).join(); // durable once join() returns
            while (!orchestrator.find(task.id()).orElseThrow().status().isTerminal()) {
                Thread.sleep(20);
            }
            return orchestrator.find(task.id()).orElseThrow(); // COMPLETED, result "HELLO"
        }
    }
    // README example: end

    @Test
    void embeddedEngineRunsACustomProcessor() throws Exception {
        Path stateFile = dir.resolve("state_dump.json");

        VenomTask done = shoutExample(stateFile);

        assertThat(done.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(done.result()).isEqualTo("HELLO");
        assertThat(done.logs()).anyMatch(line -> line.startsWith("Shouting - "));
        assertThat(Files.readString(stateFile)).contains(done.id().toString());
    }

    @Test
    void readmeShowsTheExampleVerbatim() throws Exception {
        String source = Files.readString(Path.of("src/test/java/dev/venom/core/tests/api/EmbeddingExampleTest.java"));
        String example = source.substring(source.lastIndexOf(START) + START.length(), source.lastIndexOf(END));
        String readme = Files.readString(Path.of("../README.md"));

        assertThat(normalise(readme)).contains(normalise(example));
    }

    private static String normalise(String code) {
        return code.lines().map(String::strip).filter(line -> !line.isEmpty()).collect(Collectors.joining("\n"));
    }
}
