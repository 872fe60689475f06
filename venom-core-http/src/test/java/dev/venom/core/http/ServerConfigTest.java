package dev.venom.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.venom.core.http.internal.auth.KeysFile;
import dev.venom.core.http.internal.auth.Role;
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

    private static java.util.Optional<Duration> retention(String text) {
        return ServerConfig.RETENTION.read(Map.of("VENOM_RETENTION", text), ".env");
    }

    @Test
    void retentionTakesShortFormsAndIsoAndRejectsNonsense() {
        assertThat(retention("12h")).contains(Duration.ofHours(12));
        assertThat(retention("90s")).contains(Duration.ofSeconds(90));
        assertThat(retention("P2D")).contains(Duration.ofDays(2));
        assertThat(retention("")).isEmpty();
        assertThatThrownBy(() -> retention("forever"))
                .hasMessage("VENOM_RETENTION must be a positive duration such as 7d, 12h or P7D, was 'forever' (from .env)");
        assertThatThrownBy(() -> ServerConfig.load(new String[0], Map.of("VENOM_FSYNC", "sometimes"), dir.resolve("x")))
                .hasMessageContaining("VENOM_FSYNC must be always, batch or off, was 'sometimes' (from environment)");
    }

    @Test
    void engineAndProcessorSettingsParseAndTheHttpProcessorNeedsAUrl() {
        ServerConfig defaults = ServerConfig.load(new String[0], Map.of(), dir.resolve("none"));
        ServerConfig tuned = ServerConfig.load(new String[] {"--max-attempts", "5", "--retry-base-ms", "250",
                "--max-pending", "1000", "--processor", "http", "--processor-url", "http://127.0.0.1:9000/run",
                "--processor-timeout-ms", "1500"}, Map.of("MY_PROCESSOR_TOKEN", "t"), dir.resolve("none"));

        assertThat(defaults.maxAttempts()).isEqualTo(1);
        assertThat(defaults.retryBase()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.maxPending()).isZero();
        assertThat(defaults.processor()).isEqualTo("simulated");
        assertThat(defaults.processorUrl()).isEmpty();
        assertThat(tuned.maxAttempts()).isEqualTo(5);
        assertThat(tuned.retryBase()).isEqualTo(Duration.ofMillis(250));
        assertThat(tuned.maxPending()).isEqualTo(1000);
        assertThat(tuned.processorUrl()).contains(java.net.URI.create("http://127.0.0.1:9000/run"));
        assertThat(tuned.processorTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(tuned.settings()).containsEntry("MY_PROCESSOR_TOKEN", "t").containsEntry("VENOM_MAX_ATTEMPTS", "5");
        assertThat(tuned.toString()).doesNotContain("MY_PROCESSOR_TOKEN");
        assertThatThrownBy(() -> ServerConfig.load(new String[] {"--processor", "http"}, Map.of(), dir.resolve("x")))
                .hasMessageContaining("VENOM_PROCESSOR_URL");
        assertThatThrownBy(() -> ServerConfig.load(new String[] {"--processor-url", "ftp://x"}, Map.of(),
                dir.resolve("x"))).hasMessageContaining("http:// or https://");
        assertThatThrownBy(() -> ServerConfig.load(new String[] {"--max-attempts", "101"}, Map.of(), dir.resolve("x")))
                .hasMessageContaining("VENOM_MAX_ATTEMPTS must be an integer 1..100");
    }

    @Test
    void theClaimCooldownDefaultsToTenMillisecondsWithPostgresAndNoneWithTheJournal() {
        ServerConfig journal = ServerConfig.load(new String[0], Map.of(), dir.resolve("none"));
        ServerConfig postgres = ServerConfig.load(new String[] {"--store", "jdbc:postgresql://127.0.0.1/venom"},
                Map.of(), dir.resolve("none"));
        ServerConfig tuned = ServerConfig.load(new String[] {"--store", "jdbc:postgresql://127.0.0.1/venom"},
                Map.of("VENOM_CLAIM_COOLDOWN_MS", "0"), dir.resolve("none"));

        assertThat(journal.claimCooldown()).isZero();
        assertThat(postgres.claimCooldown()).isEqualTo(Duration.ofMillis(10));
        assertThat(tuned.claimCooldown()).isZero();
        assertThatThrownBy(() -> ServerConfig.load(new String[] {"--claim-cooldown-ms", "1001"}, Map.of(),
                dir.resolve("x"))).hasMessageContaining("VENOM_CLAIM_COOLDOWN_MS must be an integer 0..1000");
    }

    @Test
    void aServerWithoutKeysRefusesEveryAddressButLoopbackUnlessAuthIsOff() {
        ServerConfig loopback = ServerConfig.load(new String[] {"--host", "127.0.0.1"}, Map.of(), dir.resolve("x"));
        assertThat(loopback.checkAccess()).contains("no API keys");
        ServerConfig localhost = ServerConfig.load(new String[] {"--host", "localhost"}, Map.of(), dir.resolve("x"));
        assertThat(localhost.checkAccess()).contains("no API keys");

        ServerConfig open = ServerConfig.load(new String[] {"--host", "0.0.0.0"}, Map.of(), dir.resolve("x"));
        assertThatThrownBy(open::checkAccess).isInstanceOf(ServerConfig.InvalidConfigException.class)
                .hasMessageStartingWith("refusing to listen on 0.0.0.0 without API keys")
                .hasMessageContaining("VENOM_AUTH=off").hasMessageNotContaining("\n");

        ServerConfig off = ServerConfig.load(new String[] {"--host", "0.0.0.0", "--auth", "off"}, Map.of(),
                dir.resolve("x"));
        assertThat(off.checkAccess()).contains("every route is open");
        assertThatThrownBy(() -> ServerConfig.load(new String[] {"--auth", "maybe"}, Map.of(), dir.resolve("x")))
                .hasMessageContaining("must be on or off");
    }

    @Test
    void aServerWithKeysListensAnywhereAndABadKeysFileStopsTheStart() throws Exception {
        Path keys = dir.resolve("keys");
        new KeysFile(keys).add("ci", Role.WRITE);
        ServerConfig config = ServerConfig.load(new String[] {"--host", "0.0.0.0"},
                Map.of("VENOM_API_KEYS_FILE", keys.toString()), dir.resolve("x"));
        assertThat(config.apiKeysFile()).contains(keys);
        assertThat(config.checkAccess()).isEqualTo("API keys: 1 in " + keys);

        Files.writeString(keys, "ci write nothex\n");
        assertThatThrownBy(config::checkAccess).isInstanceOf(ServerConfig.InvalidConfigException.class)
                .hasMessageContaining("bad keys file").hasMessageContaining("line 1");
        ServerConfig missing = ServerConfig.load(new String[] {"--api-keys-file", dir.resolve("none").toString()},
                Map.of(), dir.resolve("x"));
        assertThatThrownBy(missing::checkAccess).hasMessageContaining("cannot read the keys file");
    }
}
