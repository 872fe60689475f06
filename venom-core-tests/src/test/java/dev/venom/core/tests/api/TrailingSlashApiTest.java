package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A path with a trailing slash, as the original's clients send it: FastAPI answers 307 to the path without
 * it, query kept, for every route; a client that follows redirects gets the route's own answer.
 */
class TrailingSlashApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;
    private String id;

    @BeforeEach
    void start() {
        servers = new InProcessServers(dir);
        http = servers.start("--processing-delay-ms", "60000");
        id = http.create("slashed");
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    @Test
    void everyRouteWithATrailingSlashRedirectsToItselfWithoutItKeepingTheQuery() {
        List<String> gets = List.of("/api/v1/tasks", "/api/v1/tasks/" + id, "/api/v1/tasks/" + id + "/events",
                "/api/v1/events", "/api/v1/ws", "/api/v1/stats", "/healthz", "/readyz", "/metrics", "/openapi.json",
                "/docs/index.html");
        for (String path : gets) {
            Http.Answer answer = http.get(path + "/");
            assertThat(answer.status()).as("GET %s/", path).isEqualTo(307);
            assertThat(answer.header("Location")).as("GET %s/", path).isEqualTo(http.base() + path);
        }
        for (String path : List.of("/api/v1/tasks", "/api/v1/tasks/" + id + "/cancel")) {
            Http.Answer answer = http.post(path + "/", "{\"content\":\"x\"}");
            assertThat(answer.status()).as("POST %s/", path).isEqualTo(307);
            assertThat(answer.header("Location")).as("POST %s/", path).isEqualTo(http.base() + path);
        }
        assertThat(http.get("/api/v1/tasks/?status=PENDING&limit=5").header("Location"))
                .isEqualTo(http.base() + "/api/v1/tasks?status=PENDING&limit=5");
    }

    @Test
    void whatIsNoRouteWithoutTheSlashIsNotRedirected() {
        assertThat(http.get("/docs/").status()).isEqualTo(200); // a route of its own: Swagger UI
        assertThat(http.get("/").status()).isEqualTo(200);
        Http.Answer unknown = http.get("/api/v1/nothing/");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("detail").asText()).isEqualTo("Not Found");
    }

    @Test
    void aClientThatFollowsRedirectsGetsWhatTheOriginalGaveIt() throws Exception {
        HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(5)).build();

        HttpResponse<String> created = following.send(HttpRequest.newBuilder(URI.create(http.base() + "/api/v1/tasks/"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"followed\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        String createdId = JSON.readTree(created.body()).get("task_id").asText();

        HttpResponse<String> read = following.send(HttpRequest.newBuilder(
                URI.create(http.base() + "/api/v1/tasks/" + createdId + "/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).isEqualTo(200);
        JsonNode task = JSON.readTree(read.body());
        assertThat(task.get("content").asText()).isEqualTo("followed");
        assertThat(http.task(createdId).get("content").asText()).isEqualTo("followed");
    }
}
