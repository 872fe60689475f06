package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code VENOM_LANGUAGE=pl}, spoken to as the original's clients do: create, poll until COMPLETED, and read
 * the texts its code wrote.
 */
class PolishTextsApiTest {

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;

    @BeforeEach
    void start() {
        servers = new InProcessServers(dir);
        http = servers.start("--language", "pl", "--processing-delay-ms", "50");
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    private static List<String> lines(JsonNode task) {
        List<String> lines = new ArrayList<>();
        task.get("logs").forEach(line -> lines.add(line.asText()));
        return lines;
    }

    @Test
    void aCompletedTaskCarriesTheOriginalsPolishResultAndLogLines() {
        String id = http.create("Napisz raport");

        await().atMost(Duration.ofSeconds(10)).until(() -> http.task(id).get("status").asText().equals("COMPLETED"));

        JsonNode task = http.task(id);
        assertThat(task.get("result").asText()).isEqualTo("Przetworzono: Napisz raport");
        assertThat(lines(task)).hasSize(3);
        assertThat(lines(task).get(0)).startsWith("Zadanie uruchomione: ");
        assertThat(lines(task).get(1)).startsWith("Rozpoczęto przetwarzanie: ");
        assertThat(lines(task).get(2)).startsWith("Zakończono przetwarzanie: ");
    }

    @Test
    void anUnknownTaskIsAnsweredInTheOriginalsWords() {
        UUID unknown = UUID.randomUUID();

        Http.Answer answer = http.get("/api/v1/tasks/" + unknown);

        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.json().get("detail").asText()).isEqualTo("Zadanie " + unknown + " nie istnieje");
    }

    @Test
    void venomsOwnLinesArePolishToo() {
        String id = http.post("/api/v1/tasks", "{\"content\":\"później\",\"run_at\":\"2099-01-01T00:00:00Z\"}")
                .json().get("task_id").asText();

        JsonNode cancelled = http.post("/api/v1/tasks/" + id + "/cancel", "").json();

        assertThat(lines(cancelled)).last().asString().startsWith("Anulowano: ");
    }
}
