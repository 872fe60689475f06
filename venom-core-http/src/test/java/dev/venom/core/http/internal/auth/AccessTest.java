package dev.venom.core.http.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The one table of which role a request needs. */
class AccessTest {

    private final Access access = new Access(false);

    private Optional<Role> role(String method, String path) {
        return access.needed(method, path).map(Access.Needed::role);
    }

    @Test
    void probesDashboardAndDocumentationAreOpen() {
        for (String path : new String[] {"/healthz", "/readyz", "/", "/openapi.json", "/docs", "/docs/index.html",
                "/ui/dashboard.js"}) {
            assertThat(role("GET", path)).as(path).isEmpty();
        }
    }

    @Test
    void readingNeedsReadCreatingAndCancellingWriteAndEverythingElseAdmin() {
        assertThat(role("GET", "/api/v1/tasks")).contains(Role.READ);
        assertThat(role("GET", "/api/v1/events")).contains(Role.READ);
        assertThat(role("GET", "/metrics")).contains(Role.READ);
        assertThat(role("HEAD", "/api/v1/stats")).contains(Role.READ);
        assertThat(role("POST", "/api/v1/tasks")).contains(Role.WRITE);
        assertThat(role("POST", "/api/v1/tasks/")).contains(Role.WRITE);
        assertThat(role("POST", "/api/v1/tasks/abc/cancel")).contains(Role.WRITE);
        assertThat(role("POST", "/api/v1/queue/task/abc/abort")).contains(Role.WRITE);
        assertThat(role("POST", "/api/v1/queue/pause")).contains(Role.ADMIN);
        assertThat(role("POST", "/api/v1/queues/default/purge")).contains(Role.ADMIN);
        assertThat(role("POST", "/api/v1/queue/emergency-stop")).contains(Role.ADMIN);
        assertThat(role("DELETE", "/api/v1/tasks/abc")).as("a method no route has").contains(Role.ADMIN);
    }

    @Test
    void metricsCanBeOpenedAlone() {
        Access open = new Access(true);
        assertThat(open.needed("GET", "/metrics")).isEmpty();
        assertThat(open.needed("GET", "/api/v1/stats")).isPresent();
    }

    @Test
    void rolesCoverWhatTheyShould() {
        assertThat(Role.ADMIN.covers(Role.WRITE)).isTrue();
        assertThat(Role.ADMIN.covers(Role.READ)).isTrue();
        assertThat(Role.WRITE.covers(Role.READ)).isTrue();
        assertThat(Role.WRITE.covers(Role.ADMIN)).isFalse();
        assertThat(Role.READ.covers(Role.WRITE)).isFalse();
        assertThat(Role.ADMIN.covers(Role.WORKER)).isFalse();
        assertThat(Role.WORKER.covers(Role.READ)).isFalse();
        assertThat(Role.WORKER.covers(Role.WORKER)).isTrue();
    }
}
