package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.SimulatedProcessor;
import dev.venom.core.http.VenomServer;
import dev.venom.core.persistence.FullDisk;
import dev.venom.core.persistence.JsonFileStateStore;
import dev.venom.core.tests.support.Http;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A disk that fills up under a running server: 503, nothing accepted that is not on disk, then recovery. */
class FullDiskApiTest {

    @TempDir
    Path dir;

    @Test
    void postAnswers503WhileTheDiskIsFullAndWorksAgainOnceItIsNot() {
        FullDisk disk = new FullDisk();
        ObjectMapper mapper = JsonMapper.builder().addModule(new JavaTimeModule()).build();
        try (JsonFileStateStore store = JsonFileStateStore.builder(dir.resolve("state_dump.json"))
                     .mapper(mapper).fileOpener(disk).open();
             Orchestrator orchestrator = Orchestrator.builder().store(store)
                     .processor(new SimulatedProcessor(Duration.ofMillis(10))).build().start();
             VenomServer server = VenomServer.builder().orchestrator(orchestrator).port(0).start()) {
            Http http = new Http("http://127.0.0.1:" + server.address().getPort());
            String before = http.create("before");

            disk.fill();
            Http.Answer refused = http.post("/api/v1/tasks", "{\"content\": \"refused\"}");
            Http.Answer listWhileFull = http.get("/api/v1/tasks");
            Http.Answer notReady = http.get("/readyz");
            disk.free();
            Http.Answer readyAgain = http.get("/readyz"); // before any task has been written again
            String after = http.create("after");

            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.json().get("detail").asText()).isEqualTo("Task could not be stored; try again later");
            assertThat(refused.body()).doesNotContain("No space left").doesNotContain("Exception");
            assertThat(listWhileFull.status()).isEqualTo(200);
            assertThat(listWhileFull.body()).contains(before).doesNotContain("refused");
            assertThat(http.get("/api/v1/tasks").body()).contains(before, after).doesNotContain("refused");
            assertThat(http.get("/healthz").status()).isEqualTo(200);
            assertThat(notReady.status()).isEqualTo(503);
            assertThat(notReady.json().get("status").asText()).isEqualTo("unavailable");
            assertThat(notReady.json().get("checks").get("store").asText()).startsWith("cannot write journal");
            assertThat(notReady.json().get("checks").get("accepting").asText()).isEqualTo("ok");
            assertThat(readyAgain.status()).isEqualTo(200);
            assertThat(readyAgain.json().get("status").asText()).isEqualTo("ready");
            orchestrator.close();
            Http.Answer draining = http.get("/readyz");
            assertThat(draining.status()).isEqualTo(503);
            assertThat(draining.json().get("checks").get("accepting").asText()).isEqualTo("draining");
        }
    }
}
