package dev.venom.core.tests.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.venom.core.persistence.PostgresTestDatabase;
import dev.venom.core.tests.support.FreezableProxy;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database that stops answering without closing its connections (a backend under SIGSTOP, a hung host):
 * every request still answers within a few seconds, readiness says why, and all is well again as soon as it
 * answers.
 */
@Tag("postgres")
class FrozenDatabaseTest {

    /** The query timeout is 2 s; a request may also wait up to 2 s for a connection. */
    private static final long ANSWER_WITHIN_MS = 4_500;

    @TempDir
    Path dir;

    private String schema;
    private FreezableProxy proxy;
    private InProcessServers servers;

    @BeforeEach
    void database() throws Exception {
        PostgresTestDatabase.require();
        schema = PostgresTestDatabase.newSchema();
        URI url = URI.create(PostgresTestDatabase.URL.substring("jdbc:".length()));
        proxy = new FreezableProxy(new InetSocketAddress(url.getHost(), url.getPort() < 0 ? 5432 : url.getPort()));
    }

    @AfterEach
    void stop() throws Exception {
        if (servers != null) {
            proxy.thaw();
            servers.close();
        }
        proxy.close();
        PostgresTestDatabase.drop(schema);
    }

    private static <T> T timed(String what, Supplier<T> call) {
        long start = System.nanoTime();
        T result = call.get();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as(what + " answered after ms").isLessThan(ANSWER_WITHIN_MS);
        return result;
    }

    @Test
    void whileTheDatabaseIsFrozenRequestsAnswer503QuicklyAndWorkAgainOnceItThaws() {
        String viaProxy = PostgresTestDatabase.URL.replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/");
        servers = new InProcessServers(dir);
        Http http = servers.start("--store", viaProxy, "--db-schema", schema, "--processing-delay-ms", "0",
                "--poll-ms", "200", "--heartbeat-ms", "500");
        String before = http.create("before the freeze");
        await().atMost(Duration.ofSeconds(10)).until(() -> "COMPLETED".equals(http.task(before).get("status").asText()));

        proxy.freeze();
        Http.Answer read = timed("GET a task", () -> http.get("/api/v1/tasks/" + before));
        Http.Answer create = timed("POST a task", () -> http.post("/api/v1/tasks", "{\"content\": \"frozen\"}"));
        Http.Answer ready = timed("GET /readyz", () -> http.get("/readyz"));
        Http.Answer health = timed("GET /healthz", () -> http.get("/healthz"));

        assertThat(read.status()).isEqualTo(503);
        assertThat(read.json().get("detail").asText()).isEqualTo("Store unavailable; try again later");
        assertThat(create.status()).isEqualTo(503);
        assertThat(create.json().get("detail").asText()).startsWith("Task could not be stored");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.json().get("checks").get("store").asText()).startsWith("the database is unreachable");
        assertThat(health.status()).isEqualTo(200);

        proxy.thaw();
        await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/readyz").status() == 200);
        String after = http.create("after the thaw");
        await().atMost(Duration.ofSeconds(10)).until(() -> "COMPLETED".equals(http.task(after).get("status").asText()));
        assertThat(http.task(before).get("status").asText()).isEqualTo("COMPLETED");
    }
}
