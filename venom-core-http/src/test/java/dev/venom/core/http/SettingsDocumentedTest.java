package dev.venom.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's table of settings and the usage text are the declared settings, no more and no fewer. */
class SettingsDocumentedTest {

    private static List<String> readmeTable() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int header = lines.indexOf("| variable | flag | default | meaning |");
        assertThat(header).as("the README's settings table").isNotNegative();
        return lines.subList(header + 2, lines.size()).stream().takeWhile(line -> line.startsWith("|")).toList();
    }

    @Test
    void theReadmeTableListsExactlyTheDeclaredSettingsInOrder() throws IOException {
        List<String> declared = ServerConfig.SETTINGS.stream().map(Setting::readmeRow).toList();

        assertThat(readmeTable()).containsExactlyElementsOf(declared);
    }

    @Test
    void everyFlagIsInTheUsageTextAndEveryDefaultIsDeclared() {
        for (Setting<?> setting : ServerConfig.SETTINGS) {
            if (setting.flag() != null) {
                assertThat(ServerConfig.USAGE).contains("[--" + setting.flag() + " ");
                assertThat(ServerConfig.DEFAULTS).containsEntry(setting.key(), setting.defaultValue());
            } else {
                assertThat(ServerConfig.DEFAULTS).doesNotContainKey(setting.key());
            }
        }
        assertThat(ServerConfig.DEFAULTS).hasSize((int) ServerConfig.SETTINGS.stream()
                .filter(setting -> setting.flag() != null).count());
    }

    @Test
    void everyDefaultIsValid() {
        ServerConfig defaults = ServerConfig.load(new String[0], Map.of(), Path.of("no-such.env"));

        assertThat(defaults.describe()).isEqualTo("all defaults");
        assertThat(defaults.port()).isEqualTo(8000);
    }
}
