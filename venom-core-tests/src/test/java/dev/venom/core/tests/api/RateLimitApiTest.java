package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.http.internal.auth.KeysFile;
import dev.venom.core.http.internal.auth.Role;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code VENOM_RATE_LIMIT}: a key past its rate gets 429 with Retry-After; other keys and the probes do not. */
class RateLimitApiTest {

    @TempDir
    Path dir;

    private InProcessServers servers;

    @AfterEach
    void stop() {
        if (servers != null) {
            servers.close();
        }
    }

    private static Http.Answer get(Http http, String key, String path) {
        return http.withKey(key, "GET", path, null);
    }

    @Test
    void aKeyPastItsRateIsToldToComeBackAndNoOtherKeyIs() throws Exception {
        KeysFile keys = new KeysFile(dir.resolve("keys"));
        String busy = keys.add("busy", Role.READ);
        String calm = keys.add("calm", Role.READ);
        servers = new InProcessServers(dir);
        Http http = servers.start("--api-keys-file", keys.path().toString(), "--rate-limit", "5");

        int ok = 0;
        Http.Answer refused = null;
        for (int i = 0; i < 20 && refused == null; i++) {
            Http.Answer answer = get(http, busy, "/api/v1/tasks");
            if (answer.status() == 429) {
                refused = answer;
            } else {
                assertThat(answer.status()).isEqualTo(200);
                ok++;
            }
        }

        assertThat(refused).as("a burst of 20 at a rate of 5 a second").isNotNull();
        assertThat(ok).isBetween(5, 7);
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        assertThat(refused.json().get("detail").asText())
                .isEqualTo("Too many requests: key 'busy' may make 5 a second; retry after 1 s");
        assertThat(get(http, calm, "/api/v1/tasks").status()).isEqualTo(200);
        assertThat(http.get("/healthz").status()).isEqualTo(200);
        Thread.sleep(1_100);
        assertThat(get(http, busy, "/api/v1/tasks").status()).as("a second later").isEqualTo(200);
        String admin = keys.add("auditor", Role.ADMIN);
        Thread.sleep(1_500); // the server re-reads its keys file
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> get(http, admin, "/api/v1/audit?key=busy").status() == 200);
        assertThat(get(http, admin, "/api/v1/audit?key=busy").json().get("entries"))
                .anyMatch(entry -> entry.get("status").asInt() == 429 && entry.get("path").asText().equals("/api/v1/tasks"));
    }
}
