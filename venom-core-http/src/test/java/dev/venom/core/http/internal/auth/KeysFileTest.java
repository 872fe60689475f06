package dev.venom.core.http.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys file: keys made here, only their hashes kept, lines checked, revokes that keep the rest. */
class KeysFileTest {

    @TempDir
    Path dir;

    @Test
    void anAddedKeyIsShownOnceAndOnlyItsHashIsWritten() throws Exception {
        KeysFile file = new KeysFile(dir.resolve("sub/keys"));

        String key = file.add("ci", Role.WRITE);

        assertThat(key).startsWith("venom_").hasSize("venom_".length() + 43); // 256 bits, base64url
        String text = Files.readString(file.path());
        assertThat(text).doesNotContain(key.substring(6)).contains("ci write " + KeysFile.hash(key));
        assertThat(file.read()).containsExactly(new ApiKey("ci", Role.WRITE, KeysFile.hash(key)));
        assertThat(file.add("other", Role.READ)).isNotEqualTo(key);
    }

    @Test
    void aNameIsTakenOnce() throws Exception {
        KeysFile file = new KeysFile(dir.resolve("keys"));
        file.add("ci", Role.WRITE);

        assertThatThrownBy(() -> file.add("ci", Role.READ)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a key named 'ci' exists");
        assertThatThrownBy(() -> file.add("no spaces", Role.READ)).hasMessageContaining("[A-Za-z0-9._-]{1,64}");
    }

    @Test
    void aRevokeRemovesOneKeyAndKeepsEveryOtherLine() throws Exception {
        KeysFile file = new KeysFile(dir.resolve("keys"));
        Files.writeString(file.path(), "# the operators' keys\n\n");
        String kept = file.add("dashboard", Role.READ);
        file.add("ci", Role.WRITE);

        assertThat(file.revoke("ci")).isTrue();
        assertThat(file.revoke("ci")).isFalse();

        assertThat(file.read()).extracting(ApiKey::name).containsExactly("dashboard");
        assertThat(Files.readString(file.path())).startsWith("# the operators' keys\n\n")
                .contains(KeysFile.hash(kept));
    }

    @Test
    void aBadLineIsNamedByItsNumber() throws Exception {
        KeysFile file = new KeysFile(dir.resolve("keys"));
        Files.writeString(file.path(), "ci write " + "a".repeat(64) + "\nops root " + "b".repeat(64) + "\n");

        assertThatThrownBy(file::read).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2").hasMessageContaining("role must be one of read, write, admin, worker");
        Files.writeString(file.path(), "ci write abc\n");
        assertThatThrownBy(file::read).hasMessageContaining("line 1").hasMessageContaining("64 hex digits");
        Files.writeString(file.path(), "ci write\n");
        assertThatThrownBy(file::read).hasMessageContaining("expected 'name role sha256-hex'");
    }
}
