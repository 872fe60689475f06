package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.http.internal.auth.KeysFile;
import dev.venom.core.http.internal.auth.Role;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.core.models.ParseOptions;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every operation of the OpenAPI document, asked by every kind of caller (no key, an unknown key, a revoked
 * key, and a key of each role), gets what the document says: 401 without a valid key, 403 for a role short of
 * the operation's {@code x-venom-role}, else one of its documented answers. Open operations
 * ({@code security: []}) answer everyone.
 */
class RoleMatrixApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;
    /** Each caller's key (null: none); the role of those the server knows. */
    private final Map<String, String> keyOf = new LinkedHashMap<>();
    private final Map<String, Role> roleOf = new LinkedHashMap<>();

    @BeforeEach
    void start() throws Exception {
        KeysFile keys = new KeysFile(dir.resolve("keys"));
        keyOf.put("no key", null);
        keyOf.put("unknown key", "venom_" + "A".repeat(43));
        keyOf.put("revoked key", keys.add("gone", Role.ADMIN));
        keys.revoke("gone");
        for (Role role : Role.values()) {
            keyOf.put(role.label(), keys.add(role.label() + "-key", role));
            roleOf.put(role.label(), role);
        }
        servers = new InProcessServers(dir);
        http = servers.start("--processing-delay-ms", "0", "--api-keys-file", keys.path().toString());
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    @Test
    void everyOperationAnswersEveryCallerAsDocumented() throws Exception {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        OpenAPI api = new OpenAPIParser().readContents(http.get("/openapi.json").body(), null, options).getOpenAPI();
        assertThat(api.getComponents().getSecuritySchemes()).containsKey("apiKey");
        List<String> wrong = new ArrayList<>();
        int asked = 0;
        for (Map.Entry<String, PathItem> path : api.getPaths().entrySet()) {
            for (Map.Entry<PathItem.HttpMethod, Operation> entry : path.getValue().readOperationsMap().entrySet()) {
                Operation operation = entry.getValue();
                String method = entry.getKey().name();
                boolean open = operation.getSecurity() != null && operation.getSecurity().isEmpty();
                Object declared = operation.getExtensions() == null ? null : operation.getExtensions().get("x-venom-role");
                if (!open) {
                    assertThat(declared).as("x-venom-role of %s %s", method, path.getKey()).isNotNull();
                    assertThat(operation.getResponses()).as("%s %s documents 401 and 403", method, path.getKey())
                            .containsKeys("401", "403");
                }
                for (Map.Entry<String, String> caller : keyOf.entrySet()) {
                    int status = ask(method, concrete(path.getKey()), caller.getValue());
                    asked++;
                    Role role = roleOf.get(caller.getKey());
                    int expected;
                    if (open) {
                        expected = status == 401 || status == 403 ? -1 : status;
                    } else if (role == null) {
                        expected = 401;
                    } else if (!role.covers(Role.valueOf(declared.toString().toUpperCase()))) {
                        expected = 403;
                    } else {
                        expected = status == 401 || status == 403 ? -1 : status;
                    }
                    boolean documented = operation.getResponses().containsKey(Integer.toString(status));
                    if (status != expected || !documented) {
                        wrong.add(method + " " + path.getKey() + " by " + caller.getKey() + ": " + status
                                + (documented ? "" : " (undocumented)") + (expected > 0 ? ", expected " + expected : ""));
                    }
                }
            }
        }
        assertThat(asked).isGreaterThan(100);
        assertThat(wrong).isEmpty();
    }

    private static String concrete(String template) {
        return template.replace("{task_id}", UUID.randomUUID().toString()).replace("{name}", "default")
                .replace("{attempt}", "1");
    }

    /** The status of one request; a streaming answer is closed once its status is known. */
    private int ask(String method, String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(http.base() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString(
                        path.equals("/api/v1/tasks") ? "{\"content\": \"matrix\"}" : "")
                        : HttpRequest.BodyPublishers.noBody())
                .header("Content-Type", "application/json");
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        HttpResponse<InputStream> answer = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = answer.body()) {
            if (answer.statusCode() == 401 || answer.statusCode() == 403) {
                String detail = JSON.readTree(new String(body.readAllBytes(), StandardCharsets.UTF_8)).get("detail")
                        .asText();
                assertThat(detail).matches(answer.statusCode() == 401 ? "Not authenticated"
                        : "Key '[a-z]+-key' \\(role [a-z]+\\) may not (read|create tasks|cancel tasks|control queues|change schedules|read the audit trail|run tasks as a remote worker)");
            }
        }
        return answer.statusCode();
    }
}
