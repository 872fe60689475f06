package dev.venom.core.http.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keys add|list|revoke}, as an operator types them. */
class KeysCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        out.reset();
        err.reset();
        return KeysCommand.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void addPrintsTheKeyOnceListShowsNamesAndRolesRevokeRemoves() throws Exception {
        String file = dir.resolve("keys").toString();

        assertThat(run(Map.of(), "add", "--name", "ci", "--role", "write", "--file", file)).isZero();
        String key = out().strip();
        assertThat(key).startsWith("venom_");
        assertThat(new KeysFile(Path.of(file)).read().get(0).hash()).isEqualTo(KeysFile.hash(key));

        assertThat(run(Map.of("VENOM_API_KEYS_FILE", file), "list")).isZero();
        assertThat(out()).isEqualTo("ci write" + System.lineSeparator()).doesNotContain(KeysFile.hash(key));

        assertThat(run(Map.of(), "revoke", "--name", "ci", "--file", file)).isZero();
        assertThat(run(Map.of(), "revoke", "--name", "ci", "--file", file)).isEqualTo(1);
        assertThat(new KeysFile(Path.of(file)).read()).isEmpty();
    }

    @Test
    void mistakesAreUsageErrors() {
        String file = dir.resolve("keys").toString();
        assertThat(run(Map.of(), "add", "--name", "ci", "--role", "root", "--file", file)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("role must be one of read, write, admin, worker");
        assertThat(run(Map.of(), "add", "--name", "ci", "--role", "write")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("give --file F or set VENOM_API_KEYS_FILE");
        assertThat(run(Map.of(), "add", "--role", "write", "--file", file)).isEqualTo(2);
        assertThat(run(Map.of(), "rotate", "--file", file)).isEqualTo(2);
        assertThat(run(Map.of())).isEqualTo(2);
        assertThat(run(Map.of(), "list", "--file", dir.resolve("none").toString())).isEqualTo(1);
    }
}
