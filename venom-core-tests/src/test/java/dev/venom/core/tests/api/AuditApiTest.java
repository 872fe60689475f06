package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.http.internal.auth.KeysFile;
import dev.venom.core.http.internal.auth.Role;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail over HTTP: one entry per change and per refusal, with the key, role, address, action,
 * target and status; read by admins only, newest first, filtered and paged; kept in {@code audit.log} beside
 * the state.
 */
class AuditApiTest {

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;
    private KeysFile keys;
    private String writer;
    private String reader;
    private String admin;

    @BeforeEach
    void start() throws Exception {
        keys = new KeysFile(dir.resolve("keys"));
        writer = keys.add("ci", Role.WRITE);
        reader = keys.add("dashboard", Role.READ);
        admin = keys.add("ops", Role.ADMIN);
        servers = new InProcessServers(dir);
        http = servers.start("--processing-delay-ms", "60000", "--api-keys-file", keys.path().toString());
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    private Http.Answer send(String key, String method, String path, String body) {
        return http.withKey(key, method, path, body);
    }

    private List<JsonNode> entries(String query) {
        Http.Answer page = send(admin, "GET", "/api/v1/audit" + query, null);
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        List<JsonNode> entries = new ArrayList<>();
        page.json().get("entries").forEach(entries::add);
        return entries;
    }

    @Test
    void everyChangeAndEveryRefusalIsRecordedOnceWithWhoAndWhat() {
        // given a create, a cancel, a queue pause, and three refused requests
        String id = send(writer, "POST", "/api/v1/tasks", "{\"content\":\"audited\"}").json().get("task_id").asText();
        assertThat(send(writer, "POST", "/api/v1/tasks/" + id + "/cancel", "").status()).isEqualTo(200);
        assertThat(send(admin, "POST", "/api/v1/queues/default/pause", "").status()).isEqualTo(200);
        assertThat(send(null, "GET", "/api/v1/tasks", null).status()).isEqualTo(401);
        assertThat(send(reader, "POST", "/api/v1/tasks", "{\"content\":\"no\"}").status()).isEqualTo(403);
        assertThat(send(writer, "GET", "/api/v1/audit", null).status()).isEqualTo(403);
        // reads that succeed are not changes: not recorded
        assertThat(send(reader, "GET", "/api/v1/tasks/" + id, null).status()).isEqualTo(200);

        // then the trail has exactly those six, newest first
        List<JsonNode> entries = entries("");
        assertThat(entries).extracting(e -> e.get("action").asText() + " " + e.get("status").asInt() + " "
                + e.get("key").asText()).containsExactly(
                "read 403 ci", "task.create 403 dashboard", "read 401 null", "queue.pause 200 ops",
                "task.cancel 200 ci", "task.create 201 ci");
        JsonNode create = entries.get(5);
        assertThat(create.get("target").asText()).isEqualTo(id);
        assertThat(create.get("role").asText()).isEqualTo("write");
        assertThat(create.get("remote").asText()).isEqualTo("127.0.0.1");
        assertThat(create.get("method").asText()).isEqualTo("POST");
        assertThat(create.get("path").asText()).isEqualTo("/api/v1/tasks");
        assertThat(entries.get(4).get("target").asText()).isEqualTo(id);
        assertThat(entries.get(3).get("target").asText()).isEqualTo("default");
        assertThat(entries.get(2).get("key").isNull()).isTrue();
    }

    @Test
    void thePageFiltersByKeyActionAndTargetAndPagesOn() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(send(writer, "POST", "/api/v1/tasks", "{\"content\":\"n" + i + "\"}").json().get("task_id").asText());
        }
        send(admin, "POST", "/api/v1/queue/pause", "");

        assertThat(entries("?key=ops")).extracting(e -> e.get("action").asText()).containsExactly("queues.pause");
        assertThat(entries("?action=task.create")).hasSize(5);
        assertThat(entries("?target=" + ids.get(2))).hasSize(1);
        assertThat(entries("?task=" + ids.get(2))).hasSize(1).allMatch(e -> e.get("target").asText().equals(ids.get(2)));

        Http.Answer first = send(admin, "GET", "/api/v1/audit?limit=4", null);
        long next = first.json().get("next").asLong();
        Http.Answer second = send(admin, "GET", "/api/v1/audit?limit=4&before=" + next, null);
        assertThat(second.json().get("entries")).hasSize(2);
        assertThat(second.json().get("next").isNull()).isTrue();
        assertThat(send(admin, "GET", "/api/v1/audit?limit=abc", null).status()).isEqualTo(422);
    }

    @Test
    void aKeyChangeIsRecordedAndTheTrailIsAFileBesideTheState() throws Exception {
        keys.add("late", Role.READ);
        await().atMost(Duration.ofSeconds(5)).until(() -> !entries("?action=keys.change").isEmpty());
        assertThat(entries("?action=keys.change").get(0).get("target").asText()).isEqualTo("added [late], removed []");

        Path trail;
        try (var files = Files.walk(dir)) {
            trail = files.filter(file -> file.getFileName().toString().equals("audit.log")).findFirst().orElseThrow();
        }
        assertThat(Files.readString(trail)).contains("\"action\":\"keys.change\"");
    }

    @Test
    void aFloodOfRefusedReadsIsRecordedAtABoundedRateAndStillCounted() {
        long start = System.nanoTime();
        for (int i = 0; i < 300; i++) {
            assertThat(send(null, "GET", "/api/v1/tasks", null).status()).isEqualTo(401);
        }
        long seconds = 1 + (System.nanoTime() - start) / 1_000_000_000L;

        List<JsonNode> refusals = entries("?action=read&limit=1000");
        assertThat(refusals.size()).isGreaterThanOrEqualTo(20).isLessThanOrEqualTo((int) (20 * (seconds + 1)));
        // a change is always recorded, whatever the flood
        assertThat(send(writer, "POST", "/api/v1/tasks", "{\"content\":\"after\"}").status()).isEqualTo(201);
        assertThat(entries("?action=task.create")).hasSize(1);
    }
}
