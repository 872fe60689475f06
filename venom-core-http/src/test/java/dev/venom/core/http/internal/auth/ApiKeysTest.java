package dev.venom.core.http.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys a server accepts: found by their secret, read again on a change, kept when a change is bad. */
class ApiKeysTest {

    @TempDir
    Path dir;

    /** Marks the file changed even within the file system's time resolution. */
    private static void touch(KeysFile file, int seconds) throws Exception {
        Files.setLastModifiedTime(file.path(), FileTime.from(Instant.now().plusSeconds(seconds)));
    }

    @Test
    void aKeyIsFoundByItsSecretOnly() throws Exception {
        KeysFile file = new KeysFile(dir.resolve("keys"));
        String ci = file.add("ci", Role.WRITE);
        try (ApiKeys keys = ApiKeys.open(file)) {
            assertThat(keys.find(ci)).map(ApiKey::name).contains("ci");
            assertThat(keys.find(ci + "x")).isEmpty();
            assertThat(keys.find(KeysFile.hash(ci))).as("the hash is not the key").isEmpty();
            assertThat(keys.find("")).isEmpty();
        }
    }

    @Test
    void aChangedFileIsReadAgainAndABadChangeKeepsTheKeysBefore() throws Exception {
        KeysFile file = new KeysFile(dir.resolve("keys"));
        String ci = file.add("ci", Role.WRITE);
        try (ApiKeys keys = ApiKeys.open(file)) {
            String late = file.add("late", Role.READ);
            touch(file, 2);
            keys.reloadIfChanged();
            assertThat(keys.find(late)).isPresent();

            Files.writeString(file.path(), "broken line\n");
            touch(file, 4);
            keys.reloadIfChanged();
            assertThat(keys.find(ci)).as("kept after a bad change").isPresent();
            assertThat(keys.size()).isEqualTo(2);
        }
    }

    @Test
    void aMissingOrBadFileIsRefusedAtOpen() throws Exception {
        assertThatThrownBy(() -> ApiKeys.open(new KeysFile(dir.resolve("none"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot read the keys file");
        Path bad = Files.writeString(dir.resolve("bad"), "x y z\n");
        assertThatThrownBy(() -> ApiKeys.open(new KeysFile(bad))).hasMessageContaining("line 1");
    }
}
