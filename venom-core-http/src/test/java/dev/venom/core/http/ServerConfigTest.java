package dev.venom.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.venom.core.persistence.Fsync;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {

    @TempDir
    Path dir;

    private Path dotEnv(String text) throws Exception {
        return Files.writeString(dir.resolve(".env"), text);
    }

    @Test
    void defaultsMatchTheOriginalService() {
        ServerConfig config = ServerConfig.load(new String[0], Map.of(), dir.resolve("missing.env"));

        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(8000);
        assertThat(config.stateFile()).isEqualTo(Path.of("./data/memory/state_dump.json"));
        assertThat(config.processingDelay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.concurrency()).isEqualTo(64);
        assertThat(config.nodeId()).isEmpty();
        assertThat(config.describe()).isEqualTo("all defaults");
    }

    @Test
    void flagBeatsEnvironmentBeatsDotEnvBeatsDefault() throws Exception {
        Path env = dotEnv("VENOM_PORT=7001\nVENOM_HOST=0.0.0.0\nVENOM_CONCURRENCY=3\n");

        ServerConfig config = ServerConfig.load(new String[] {"--port", "7003"},
                Map.of("VENOM_PORT", "7002", "VENOM_HOST", "10.0.0.1"), env);

        assertThat(config.port()).isEqualTo(7003);
        assertThat(config.host()).isEqualTo("10.0.0.1");
        assertThat(config.concurrency()).isEqualTo(3);
        assertThat(config.sources()).containsEntry("VENOM_PORT", "flag --port")
                .containsEntry("VENOM_HOST", "environment")
                .containsEntry("VENOM_CONCURRENCY", ".env");
    }

    @Test
    void dotEnvAcceptsCommentsExportAndQuotesAndWarnsOfUnknownKeys() throws Exception {
        Path env = dotEnv("""
                # comment
                export STATE_FILE_PATH="/var/lib/venom/state.json"
                VENOM_NODE_ID='node-a'
                OPENAI_KEY=secret
                not a setting
                """);

        ServerConfig config = ServerConfig.load(new String[0], Map.of(), env);

        assertThat(config.stateFile()).isEqualTo(Path.of("/var/lib/venom/state.json"));
        assertThat(config.nodeId()).contains("node-a");
        assertThat(config.warnings()).hasSize(2)
                .anySatisfy(warning -> assertThat(warning).contains("unknown setting OPENAI_KEY"))
                .anySatisfy(warning -> assertThat(warning).contains("line 5 is not KEY=VALUE"));
    }

    @Test
    void flagsTakeEqualsFormAndStateFileMapsToTheOriginalKey() {
        ServerConfig config = ServerConfig.load(new String[] {"--state-file=x/y.json", "--processing-delay-ms=5"},
                Map.of(), dir.resolve("missing.env"));

        assertThat(config.stateFile()).isEqualTo(Path.of("x/y.json"));
        assertThat(config.processingDelay()).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void badValuesAreRejectedNamingTheSettingAndItsSource() throws Exception {
        Path env = dotEnv("VENOM_PORT=80000\n");

        assertThatThrownBy(() -> ServerConfig.load(new String[0], Map.of(), env))
                .isInstanceOf(ServerConfig.InvalidConfigException.class)
                .hasMessage("VENOM_PORT must be an integer 0..65535, was '80000' (from .env)");
        assertThatThrownBy(() -> ServerConfig.load(new String[] {"--bogus", "1"}, Map.of(), env))
                .hasMessageStartingWith("unknown flag --bogus");
        assertThatThrownBy(() -> ServerConfig.load(new String[] {"--port"}, Map.of(), env))
                .hasMessageStartingWith("flag --port needs a value");
        assertThatThrownBy(() -> ServerConfig.load(new String[0], Map.of("VENOM_STORE", "redis"), dir.resolve("none")))
                .hasMessageContaining("VENOM_STORE must be 'json'");
    }

    @Test
    void helpIsRecognised() {
        assertThat(ServerConfig.wantsHelp(new String[] {"--help"})).isTrue();
        assertThat(ServerConfig.wantsHelp(new String[] {"--port", "1"})).isFalse();
    }

    @Test
    void durabilitySettingsParseAndDefaultToTheSafeChoice() {
        ServerConfig defaults = ServerConfig.load(new String[0], Map.of(), dir.resolve("none"));
        ServerConfig tuned = ServerConfig.load(new String[] {"--fsync", "BATCH", "--fsync-batch-ms", "25",
                "--retention", "7d", "--journal-max-bytes", "4096"}, Map.of(), dir.resolve("none"));

        assertThat(defaults.fsync()).isEqualTo(Fsync.ALWAYS);
        assertThat(defaults.retention()).isEmpty();
        assertThat(tuned.fsync()).isEqualTo(Fsync.BATCH);
        assertThat(tuned.fsyncBatch()).isEqualTo(Duration.ofMillis(25));
        assertThat(tuned.retention()).contains(Duration.ofDays(7));
        assertThat(tuned.journalMaxBytes()).isEqualTo(4096);
    }

    @Test
    void retentionTakesShortFormsAndIsoAndRejectsNonsense() {
        assertThat(ServerConfig.retention("12h", "")).contains(Duration.ofHours(12));
        assertThat(ServerConfig.retention("90s", "")).contains(Duration.ofSeconds(90));
        assertThat(ServerConfig.retention("P2D", "")).contains(Duration.ofDays(2));
        assertThat(ServerConfig.retention("", "")).isEmpty();
        assertThatThrownBy(() -> ServerConfig.retention("forever", " (from .env)"))
                .hasMessage("VENOM_RETENTION must be a positive duration such as 7d, 12h or P7D, was 'forever' (from .env)");
        assertThatThrownBy(() -> ServerConfig.load(new String[0], Map.of("VENOM_FSYNC", "sometimes"), dir.resolve("x")))
                .hasMessageContaining("VENOM_FSYNC must be always, batch or off, was 'sometimes' (from environment)");
    }
}
