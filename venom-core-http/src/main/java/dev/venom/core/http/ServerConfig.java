package dev.venom.core.http;

import dev.venom.core.http.internal.auth.KeysFile;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.persistence.Fsync;
import java.io.IOException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The server's settings, immutable. Each comes from, highest first: a command-line flag, an environment
 * variable, the {@code .env} file in the working directory, its default. {@link #describe()} says which.
 *
 * @param host            {@code VENOM_HOST}, {@code --host}
 * @param port            {@code VENOM_PORT}, {@code --port}; 0 picks a free port
 * @param stateFile       {@code STATE_FILE_PATH}, {@code --state-file}
 * @param store           {@code VENOM_STORE}, {@code --store}: {@code json}, or a {@code jdbc:postgresql://} URL
 * @param processingDelay {@code VENOM_PROCESSING_DELAY_MS}: the simulated processor's delay
 * @param concurrency     {@code VENOM_CONCURRENCY}: attempts of a queue not in {@code queues} run at once
 * @param queues          {@code VENOM_QUEUES}: named queues with their concurrency on this server, or
 *                        {@link #REMOTE} for a queue left to remote workers
 * @param nodeId          {@code VENOM_NODE_ID}: this server's name in claims; empty for hostname-pid
 * @param shutdownGrace   {@code VENOM_SHUTDOWN_GRACE_MS}: how long a stop waits for running tasks
 * @param maxBodyBytes    {@code VENOM_MAX_BODY_BYTES}: larger request bodies get 413
 * @param fsync           {@code VENOM_FSYNC}: {@code always}, {@code batch} or {@code off}
 * @param fsyncBatch      {@code VENOM_FSYNC_BATCH_MS}: with {@code batch}, the longest time between forces
 * @param journalMaxBytes {@code VENOM_JOURNAL_MAX_BYTES}: journal size that triggers a new snapshot
 * @param retention       {@code VENOM_RETENTION}: drop finished tasks older than this; empty keeps all
 * @param maxAttempts     {@code VENOM_MAX_ATTEMPTS}: attempts of a task that does not ask for a number
 * @param retryBase       {@code VENOM_RETRY_BASE_MS}: the wait before the first retry, doubled for each next one
 * @param maxPending      {@code VENOM_MAX_PENDING}: POST answers 503 while this many tasks wait; 0 for no limit
 * @param processor       {@code VENOM_PROCESSOR}: {@code simulated}, {@code http} or a custom processor's name
 * @param processorUrl    {@code VENOM_PROCESSOR_URL}: where the {@code http} processor POSTs each task
 * @param processorTimeout {@code VENOM_PROCESSOR_TIMEOUT_MS}: how long the {@code http} processor waits for an answer
 * @param dbUser          {@code VENOM_DB_USER}: the PostgreSQL user; empty for the URL's
 * @param dbPassword      {@code VENOM_DB_PASSWORD}: the PostgreSQL password; empty for the URL's
 * @param dbSchema        {@code VENOM_DB_SCHEMA}: the schema the tables live in
 * @param dbPoolSize      {@code VENOM_DB_POOL_SIZE}: connections to PostgreSQL
 * @param lease           {@code VENOM_LEASE_MS}: how long a claim holds without a heartbeat
 * @param heartbeat       {@code VENOM_HEARTBEAT_MS}: how often claims are renewed and expired ones rescued
 * @param pollInterval    {@code VENOM_POLL_MS}: how often the store is asked for due tasks besides wake-ups
 * @param claimCooldown   {@code VENOM_CLAIM_COOLDOWN_MS}: the least time between two claims that leave slots
 *                        free; by default 10 ms with PostgreSQL, where each claim has a fixed cost, and 0
 *                        with the journal
 * @param eventWindow     {@code VENOM_EVENT_WINDOW}: live events kept for clients that reconnect
 * @param language        {@code VENOM_LANGUAGE}: the language of results, log lines and the original's error details
 * @param snapshotInterval {@code VENOM_SNAPSHOT_INTERVAL_MS}: how soon the running server's snapshot file shows a
 *                        change; zero for only at rollover and stop
 * @param apiKeysFile     {@code VENOM_API_KEYS_FILE}: the keys every request must carry one of; empty for none
 * @param auth            {@code VENOM_AUTH}: false only when told {@code off}, which allows a server without keys
 *                        on an address other than loopback
 * @param metricsPublic   {@code VENOM_METRICS_PUBLIC}: {@code GET /metrics} needs no key
 * @param allowedHosts    {@code VENOM_ALLOWED_HOSTS}: the host names requests may name; empty for the default
 * @param corsOrigins     {@code VENOM_CORS_ORIGINS}: origins whose pages may use the API
 * @param requestTimeout  {@code VENOM_REQUEST_TIMEOUT_MS}: how long a client may take to send a request, head and body
 * @param idleTimeout     {@code VENOM_IDLE_TIMEOUT_MS}: how long a connection may stay silent
 * @param maxConnections  {@code VENOM_MAX_CONNECTIONS}: connections open at once; one more gets 503
 * @param auditMaxBytes   {@code VENOM_AUDIT_MAX_BYTES}: the embedded audit trail's file size that starts a new one
 * @param tlsKeystore     {@code VENOM_TLS_KEYSTORE}: the PKCS12 keystore of an HTTPS listener; empty for HTTP
 * @param tlsPasswordFile {@code VENOM_TLS_PASSWORD_FILE}: the file holding the keystore's password
 * @param rateLimit       {@code VENOM_RATE_LIMIT}: requests a second per key (or address); 0 for none
 * @param maxStreams      {@code VENOM_MAX_STREAMS}: live event streams open at once; one more gets 503
 * @param maxStreamsPerKey {@code VENOM_MAX_STREAMS_PER_KEY}: live event streams of one key; one more gets 429
 * @param settings        every setting by key, with the environment's other variables: what a custom processor reads
 * @param sources         for each setting not at its default, where it came from
 * @param warnings        problems worth a warning, such as unknown keys in {@code .env}
 */
public record ServerConfig(String host, int port, Path stateFile, String store, Duration processingDelay,
                           int concurrency, Optional<String> nodeId, Duration shutdownGrace, long maxBodyBytes,
                           Fsync fsync, Duration fsyncBatch, long journalMaxBytes, Optional<Duration> retention,
                           int maxAttempts, Duration retryBase, long maxPending, String processor,
                           Optional<URI> processorUrl, Duration processorTimeout, Optional<String> dbUser,
                           Optional<String> dbPassword, String dbSchema, int dbPoolSize, Duration lease,
                           Duration heartbeat, Duration pollInterval, Duration claimCooldown, int eventWindow,
                           TaskLog language, Duration snapshotInterval, Map<String, Integer> queues,
                           Optional<Path> apiKeysFile, boolean auth, boolean metricsPublic,
                           Optional<Set<String>> allowedHosts, Set<String> corsOrigins, Duration requestTimeout,
                           Duration idleTimeout, int maxConnections, long auditMaxBytes, Optional<Path> tlsKeystore,
                           Optional<Path> tlsPasswordFile, int rateLimit, int maxStreams, int maxStreamsPerKey,
                           Map<String, String> settings,
                           Map<String, String> sources, List<String> warnings) {

    /** The claim cooldown with PostgreSQL unless set: fewer, larger claims cost the database less. */
    static final Duration POSTGRES_CLAIM_COOLDOWN = Duration.ofMillis(10);

    static final Setting<String> HOST = new Setting<>("VENOM_HOST", "host", "H", "127.0.0.1", "`127.0.0.1`",
            "address to bind", Setting.nonEmpty());
    static final Setting<Long> PORT = new Setting<>("VENOM_PORT", "port", "P", "8000", "`8000`",
            "port; `0` picks a free one", Setting.integer(0, 65_535));
    static final Setting<String> STATE_FILE = new Setting<>("STATE_FILE_PATH", "state-file", "F",
            "./data/memory/state_dump.json", "`./data/memory/state_dump.json`",
            "snapshot file; the journal and lock sit beside it", Setting.nonEmpty());
    static final Setting<String> STORE = new Setting<>("VENOM_STORE", "store", "json|jdbc:postgresql://...", "json",
            "`json`", "the store: `json` (the embedded journal) or a PostgreSQL URL `jdbc:postgresql://host:5432/db`",
            Setting.matching("json|jdbc:postgresql://.*", "'json' (the embedded journal) or a PostgreSQL JDBC URL such "
                    + "as jdbc:postgresql://127.0.0.1:5432/venom"));
    static final Setting<String> DB_USER = new Setting<>("VENOM_DB_USER", "db-user", "U", "", "(the URL's)",
            "PostgreSQL user", Setting.raw());
    static final Setting<String> DB_PASSWORD = new Setting<>("VENOM_DB_PASSWORD", "db-password", "P", "",
            "(the URL's)", "PostgreSQL password (never logged)", Setting.raw());
    static final Setting<String> DB_SCHEMA = new Setting<>("VENOM_DB_SCHEMA", "db-schema", "S", "public", "`public`",
            "schema of the tables, created if missing", Setting.matching("[A-Za-z_][A-Za-z0-9_]{0,40}",
                    "a plain identifier"));
    static final Setting<Long> DB_POOL_SIZE = new Setting<>("VENOM_DB_POOL_SIZE", "db-pool-size", "N", "10", "`10`",
            "connections to PostgreSQL (2..200)", Setting.integer(2, 200));
    static final Setting<Long> LEASE = new Setting<>("VENOM_LEASE_MS", "lease-ms", "N", "30000", "`30000`",
            "how long a claim holds without a heartbeat", Setting.integer(1000, 3_600_000L));
    static final Setting<Long> HEARTBEAT = new Setting<>("VENOM_HEARTBEAT_MS", "heartbeat-ms", "N", "5000", "`5000`",
            "how often claims are renewed and expired ones rescued; below the lease", Setting.integer(100, 600_000L));
    static final Setting<Long> EVENT_WINDOW = new Setting<>("VENOM_EVENT_WINDOW", "event-window", "N", "10000",
            "`10000`", "live events kept for clients that reconnect with `Last-Event-ID`",
            Setting.integer(1, 1_000_000));
    static final Setting<Long> POLL = new Setting<>("VENOM_POLL_MS", "poll-ms", "N", "1000", "`1000`",
            "how often the store is asked for due tasks besides wake-ups; `run_at` is honoured to within it",
            Setting.integer(10, 600_000L));
    static final Setting<Optional<Long>> CLAIM_COOLDOWN = new Setting<>("VENOM_CLAIM_COOLDOWN_MS", "claim-cooldown-ms", "N",
            "", "`10` with PostgreSQL, `0` with the journal", "the least time between two claims that leave slots "
            + "free (0..1000): under load, fewer and larger claims; a wake-up a cooldown after the last claim (the "
            + "poll's included) claims at once, one sooner waits for the rest; keep it well below `VENOM_POLL_MS`",
            ServerConfig::cooldown);
    static final Setting<TaskLog> LANGUAGE = new Setting<>("VENOM_LANGUAGE", "language", "en|pl", "en", "`en`",
            "the language of the results, log lines and error details Venom writes: `en`, or `pl` as the original's "
            + "code wrote them (see A task's life); a task keeps the lines it was given", TaskLog::of);
    static final Setting<Long> PROCESSING_DELAY = new Setting<>("VENOM_PROCESSING_DELAY_MS", "processing-delay-ms",
            "N", "2000", "`2000`", "the simulated processor's delay", Setting.integer(0, 86_400_000L));
    static final Setting<Long> CONCURRENCY = new Setting<>("VENOM_CONCURRENCY", "concurrency", "N", "64", "`64`",
            "tasks of each queue processed at once (1..10000), for queues `VENOM_QUEUES` does not name",
            Setting.integer(1, 10_000));
    static final Setting<Map<String, Integer>> QUEUES = new Setting<>("VENOM_QUEUES", "queues", "NAME:N,...", "",
            "(none)", "named queues and how many of each queue's tasks run at once on this server, such as "
            + "`default:64,urgent:8,background:4`, or `remote` for a queue whose tasks only remote workers run "
            + "(`gpu:remote`, see Remote workers); any other queue gets `VENOM_CONCURRENCY` (see Queues)",
            ServerConfig::queues);
    static final Setting<String> NODE_ID = new Setting<>("VENOM_NODE_ID", "node-id", "ID", "", "`<hostname>-<pid>`",
            "this server's name in claims and logs", Setting.any());
    static final Setting<Long> SHUTDOWN_GRACE = new Setting<>("VENOM_SHUTDOWN_GRACE_MS", "shutdown-grace-ms", "N",
            "30000", "`30000`", "how long a stop waits for running tasks; the rest run again at the next start",
            Setting.integer(0, 3_600_000L));
    static final Setting<Long> MAX_BODY = new Setting<>("VENOM_MAX_BODY_BYTES", "max-body-bytes", "N", "1048576",
            "`1048576`", "larger request bodies get 413", Setting.integer(1, 1L << 30));
    static final Setting<Fsync> FSYNC = new Setting<>("VENOM_FSYNC", "fsync", "always|batch|off", "always",
            "`always`", "`always`, `batch` or `off` (see Durability)", ServerConfig::fsync);
    static final Setting<Long> SNAPSHOT_INTERVAL = new Setting<>("VENOM_SNAPSHOT_INTERVAL_MS", "snapshot-interval-ms",
            "N", "1000", "`1000`", "how soon `STATE_FILE_PATH` shows a change while the server runs, for those who "
            + "read it (the original's scripts); stores of over 10,000 tasks are refreshed at a pace that costs at "
            + "most about a twentieth of one core; `0` writes it only when the journal rolls over and at a stop",
            Setting.integer(0, 3_600_000L));
    static final Setting<Long> FSYNC_BATCH = new Setting<>("VENOM_FSYNC_BATCH_MS", "fsync-batch-ms", "N", "10", "`10`",
            "with `batch`: the longest time between syncs", Setting.integer(1, 60_000));
    static final Setting<Long> JOURNAL_MAX = new Setting<>("VENOM_JOURNAL_MAX_BYTES", "journal-max-bytes", "N",
            "67108864", "`67108864`", "journal size (at least) before the snapshot is rewritten",
            Setting.integer(1024, 1L << 40));
    static final Setting<Optional<Duration>> RETENTION = new Setting<>("VENOM_RETENTION", "retention", "7d", "",
            "(keep all)", "drop finished tasks older than this at snapshot time: `7d`, `12h`, `30m`, `P7D`",
            ServerConfig::retention);
    static final Setting<Long> MAX_ATTEMPTS = new Setting<>("VENOM_MAX_ATTEMPTS", "max-attempts", "N", "1", "`1`",
            "attempts of a task that does not set `max_attempts` (1..100)", Setting.integer(1, TaskRequest.MAX_ATTEMPTS));
    static final Setting<Long> RETRY_BASE = new Setting<>("VENOM_RETRY_BASE_MS", "retry-base-ms", "N", "1000",
            "`1000`", "wait before the first retry, doubled for each next one, capped at 10 min",
            Setting.integer(1, 600_000));
    static final Setting<Long> MAX_PENDING = new Setting<>("VENOM_MAX_PENDING", "max-pending", "N", "0",
            "`0` (no limit)", "POST answers 503 while this many tasks are `PENDING`", Setting.integer(0, Long.MAX_VALUE));
    static final Setting<String> PROCESSOR = new Setting<>("VENOM_PROCESSOR", "processor", "simulated|http|NAME",
            "simulated", "`simulated`", "`simulated`, `http` or a custom processor's name (see Processors)",
            Setting.matching("[A-Za-z0-9._-]+", "simulated, http or the name of a custom processor"));
    static final Setting<Optional<URI>> PROCESSOR_URL = new Setting<>("VENOM_PROCESSOR_URL", "processor-url", "URL", "",
            "", "with `http`: where each task is POSTed (required)", ServerConfig::url);
    static final Setting<Long> PROCESSOR_TIMEOUT = new Setting<>("VENOM_PROCESSOR_TIMEOUT_MS", "processor-timeout-ms",
            "N", "30000", "`30000`", "with `http`: how long to wait for an answer", Setting.integer(1, 86_400_000L));
    static final Setting<String> API_KEYS_FILE = new Setting<>("VENOM_API_KEYS_FILE", "api-keys-file", "F", "",
            "(none)", "the API keys file (see Security): with it every request but the probes, the dashboard and the "
            + "API documentation needs `Authorization: Bearer <key>`; read again within a second of a change",
            Setting.any());
    static final Setting<String> SCHEDULES_FILE = new Setting<>("VENOM_SCHEDULES_FILE", "schedules-file", "F", "",
            "(none)", "a JSON list of schedules, each as `POST /api/v1/schedules` takes it, applied at every start "
            + "(created, or redefined if changed; see Schedules)", Setting.any());
    static final Setting<Boolean> AUTH = new Setting<>("VENOM_AUTH", "auth", "on|off", "on", "`on`",
            "`off` lets a server without API keys listen on an address other than loopback, which it otherwise "
            + "refuses to do", ServerConfig::onOff);
    static final Setting<Boolean> METRICS_PUBLIC = new Setting<>("VENOM_METRICS_PUBLIC", "metrics-public",
            "true|false", "false", "`false`", "with API keys, `GET /metrics` needs none", ServerConfig::trueFalse);
    static final Setting<Optional<Set<String>>> ALLOWED_HOSTS = new Setting<>("VENOM_ALLOWED_HOSTS", "allowed-hosts",
            "H,...", "", "the bound address, `localhost` and the machine's name; any on `0.0.0.0`",
            "host names a request's `Host` may name; others get 421 (DNS rebinding); `*` for any",
            ServerConfig::hosts);
    static final Setting<Set<String>> CORS_ORIGINS = new Setting<>("VENOM_CORS_ORIGINS", "cors-origins",
            "ORIGIN,...", "", "(none)", "origins (`https://app.example`) whose pages may use the API: they get CORS "
            + "headers; a change from any other site's page gets 403", ServerConfig::origins);
    static final Setting<Long> REQUEST_TIMEOUT = new Setting<>("VENOM_REQUEST_TIMEOUT_MS", "request-timeout-ms", "N",
            "10000", "`10000`", "how long a client may take to send a request, head and body; a slower one "
            + "(a slowloris) gets 408 and is disconnected", Setting.integer(100, 3_600_000L));
    static final Setting<Long> IDLE_TIMEOUT = new Setting<>("VENOM_IDLE_TIMEOUT_MS", "idle-timeout-ms", "N", "60000",
            "`60000`", "how long a connection may stay silent (waiting for its next request, or for a body it announced)", Setting.integer(100, 86_400_000L));
    static final Setting<Long> MAX_CONNECTIONS = new Setting<>("VENOM_MAX_CONNECTIONS", "max-connections", "N", "2000",
            "`2000`", "connections open at once, event streams included; one more gets 503 with `Retry-After`",
            Setting.integer(1, 1_000_000));
    static final Setting<Long> AUDIT_MAX_BYTES = new Setting<>("VENOM_AUDIT_MAX_BYTES", "audit-max-bytes", "N",
            "67108864", "`67108864` (64 MiB)", "with the journal, the size at which `audit.log` becomes `audit.log.1` "
            + "and a new one begins (five are kept)", Setting.integer(1024, 1L << 40));
    static final Setting<Long> RATE_LIMIT = new Setting<>("VENOM_RATE_LIMIT", "rate-limit", "N", "0", "`0` (none)",
            "requests a second each API key (each client address without keys) may make, in bursts of as many; one "
            + "more gets 429 with `Retry-After`", Setting.integer(0, 1_000_000));
    static final Setting<Long> MAX_STREAMS = new Setting<>("VENOM_MAX_STREAMS", "max-streams", "N", "1000", "`1000`",
            "live event streams (SSE and WebSocket) open at once; one more gets 503 with `Retry-After`",
            Setting.integer(1, 1_000_000));
    static final Setting<Long> MAX_STREAMS_PER_KEY = new Setting<>("VENOM_MAX_STREAMS_PER_KEY", "max-streams-per-key",
            "N", "100", "`100`", "live event streams one API key may hold open; one more gets 429 with `Retry-After`",
            Setting.integer(1, 1_000_000));
    static final Setting<String> TLS_KEYSTORE = new Setting<>("VENOM_TLS_KEYSTORE", "tls-keystore", "F", "", "(none)",
            "a PKCS12 keystore with the server's key and certificate: the server then speaks HTTPS only, with HTTP/2 "
            + "(see Security)", Setting.any());
    static final Setting<String> TLS_PASSWORD_FILE = new Setting<>("VENOM_TLS_PASSWORD_FILE", "tls-password-file", "F",
            "", "(none)", "the file holding the keystore's password (its first line)", Setting.any());
    static final Setting<String> DB_PASSWORD_FILE = new Setting<>("VENOM_DB_PASSWORD_FILE", "db-password-file", "F",
            "", "(none)", "the file holding the PostgreSQL password (its first line), instead of `VENOM_DB_PASSWORD`",
            Setting.any());
    static final Setting<String> LOG_LEVEL = new Setting<>("VENOM_LOG_LEVEL", null, null, "INFO", "`INFO`",
            "log level (`DEBUG` shows every task transition with its id)", Setting.any());

    /** Every setting, in the order the README lists them. */
    static final List<Setting<?>> SETTINGS = List.of(HOST, PORT, STATE_FILE, STORE, DB_USER, DB_PASSWORD, DB_SCHEMA,
            DB_POOL_SIZE, LEASE, HEARTBEAT, EVENT_WINDOW, POLL, CLAIM_COOLDOWN, LANGUAGE, PROCESSING_DELAY,
            CONCURRENCY, QUEUES, NODE_ID, SHUTDOWN_GRACE, MAX_BODY, FSYNC, FSYNC_BATCH, SNAPSHOT_INTERVAL, JOURNAL_MAX,
            RETENTION, MAX_ATTEMPTS, RETRY_BASE, MAX_PENDING, PROCESSOR, PROCESSOR_URL, PROCESSOR_TIMEOUT, API_KEYS_FILE,
            SCHEDULES_FILE, AUTH, METRICS_PUBLIC, ALLOWED_HOSTS, CORS_ORIGINS, REQUEST_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS,
            AUDIT_MAX_BYTES, RATE_LIMIT, MAX_STREAMS, MAX_STREAMS_PER_KEY, TLS_KEYSTORE, TLS_PASSWORD_FILE, DB_PASSWORD_FILE, LOG_LEVEL);

    /** Every setting read here (not those only the environment sets) with its default, in README order. */
    public static final Map<String, String> DEFAULTS = Collections.unmodifiableMap(SETTINGS.stream()
            .filter(setting -> setting.flag() != null)
            .collect(LinkedHashMap::new, (map, setting) -> map.put(setting.key(), setting.defaultValue()), Map::putAll));

    /** What {@code --help} prints. */
    public static final String USAGE = usage();

    private static String usage() {
        StringBuilder text = new StringBuilder("Usage: java -jar venom-server.jar");
        int column = text.length();
        for (Setting<?> setting : SETTINGS) {
            String flag = setting.usage();
            if (flag.isEmpty()) {
                continue;
            }
            if (column + 1 + flag.length() > 110) {
                text.append("\n      ");
                column = 6;
            }
            text.append(' ').append(flag);
            column += 1 + flag.length();
        }
        return text.append("""

                Each flag overrides the environment variable of the same name (VENOM_HOST, VENOM_PORT,
                STATE_FILE_PATH, ...), which overrides .env in the working directory.""").toString();
    }

    /** Thrown for a setting that cannot be used; the message names it and where it came from. */
    public static final class InvalidConfigException extends IllegalArgumentException {
        InvalidConfigException(String message) {
            super(message);
        }
    }

    /**
     * Reads the settings.
     *
     * @param args   command-line flags, {@code --name value} or {@code --name=value}
     * @param env    environment variables
     * @param dotEnv the {@code .env} file; a missing file is no error
     * @throws InvalidConfigException for an unknown flag or a value out of range
     */
    public static ServerConfig load(String[] args, Map<String, String> env, Path dotEnv) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        Map<String, String> sources = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, String> entry : readDotEnv(dotEnv, warnings).entrySet()) {
            if (DEFAULTS.containsKey(entry.getKey())) {
                values.put(entry.getKey(), entry.getValue());
                sources.put(entry.getKey(), ".env");
            } else {
                warnings.add("unknown setting " + entry.getKey() + " in " + dotEnv + " is ignored");
            }
        }
        for (String key : DEFAULTS.keySet()) {
            if (env.containsKey(key)) {
                values.put(key, env.get(key));
                sources.put(key, "environment");
            }
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new InvalidConfigException("unexpected argument '" + arg + "'\n" + USAGE);
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new InvalidConfigException("flag --" + name + " needs a value\n" + USAGE);
            }
            String key = keyOfFlag(name);
            if (!DEFAULTS.containsKey(key)) {
                throw new InvalidConfigException("unknown flag --" + name + "\n" + USAGE);
            }
            values.put(key, value);
            sources.put(key, "flag --" + name);
        }
        return parse(values, env, sources, warnings);
    }

    /** True if {@code args} ask for the usage text. */
    public static boolean wantsHelp(String[] args) {
        return List.of(args).contains("--help") || List.of(args).contains("-h");
    }

    /** One line naming each setting that is not at its default and where it came from. */
    public String describe() {
        if (sources.isEmpty()) {
            return "all defaults";
        }
        StringBuilder line = new StringBuilder();
        sources.forEach((key, source) -> line.append(line.length() == 0 ? "" : ", ")
                .append(key).append(" (").append(source).append(')'));
        return line.toString();
    }

    /** {@code VENOM_SCHEDULES_FILE}: the schedules to apply at start, if set. */
    public Optional<Path> schedulesFile() {
        String file = settings.getOrDefault(SCHEDULES_FILE.key(), "").trim();
        return file.isEmpty() ? Optional.empty() : Optional.of(Path.of(file));
    }

    /** The settings that differ from their defaults; never the environment, which may hold secrets. */
    @Override
    public String toString() {
        return "ServerConfig[" + describe() + "]";
    }

    private static String keyOfFlag(String flag) {
        return SETTINGS.stream().filter(setting -> flag.equals(setting.flag())).map(Setting::key).findFirst()
                .orElse("--" + flag);
    }

    /**
     * Refuses a server that anyone on a network could use without a key (no API keys, an address other than
     * loopback, and {@code VENOM_AUTH} not {@code off}), and a keys file that cannot be read.
     *
     * @return how requests are authenticated, for the start-up line
     * @throws InvalidConfigException saying how to go on, in one line
     */
    String checkAccess() {
        if (apiKeysFile.isPresent()) {
            try {
                return "API keys: " + new KeysFile(apiKeysFile.get()).read().size() + " in " + apiKeysFile.get();
            } catch (IOException e) {
                throw new InvalidConfigException("cannot read the keys file VENOM_API_KEYS_FILE=" + apiKeysFile.get()
                        + ": " + e);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException("bad keys file: " + e.getMessage());
            }
        }
        if (auth && !isLoopback(host)) {
            throw new InvalidConfigException("refusing to listen on " + host + " without API keys: anyone who can "
                    + "reach it could read, create and cancel every task. Make a key (java -jar venom-server.jar keys "
                    + "add --name NAME --role write --file F) and set VENOM_API_KEYS_FILE=F, or set VENOM_AUTH=off");
        }
        return "no API keys: every route is open to whoever reaches " + host;
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Comma-separated host names; {@code *} for any (an empty set); empty for the default. */
    private static Optional<Set<String>> hosts(String raw) {
        List<String> names = list(raw);
        if (names.isEmpty()) {
            return Optional.empty();
        }
        if (names.equals(List.of("*"))) {
            return Optional.of(Set.of());
        }
        for (String name : names) {
            if (!name.matches("[A-Za-z0-9.:\\-\\[\\]]+")) {
                throw new IllegalArgumentException("must be host names separated by commas, or *; '" + name
                        + "' is not a host name");
            }
        }
        return Optional.of(names.stream().map(name -> name.toLowerCase(Locale.ROOT)).collect(Collectors.toSet()));
    }

    /** Comma-separated origins, each {@code http(s)://host[:port]} with no path. */
    private static Set<String> origins(String raw) {
        List<String> origins = list(raw);
        for (String origin : origins) {
            if (!origin.matches("https?://[^/\\s]+")) {
                throw new IllegalArgumentException("must be origins such as https://app.example:8443 (no path), "
                        + "separated by commas; was '" + origin + "'");
            }
        }
        return Set.copyOf(origins);
    }

    private static List<String> list(String raw) {
        return Arrays.stream(raw.split(",")).map(String::trim).filter(item -> !item.isEmpty()).toList();
    }

    /**
     * The first line of the file {@code setting} names: a password, never logged.
     *
     * @throws InvalidConfigException if it cannot be read
     */
    static String secret(Path file, String setting) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return lines.isEmpty() ? "" : lines.get(0);
        } catch (IOException e) {
            throw new InvalidConfigException("cannot read " + setting + "=" + file + ": " + e);
        }
    }

    /** The keystore password, read from {@code VENOM_TLS_PASSWORD_FILE}. */
    char[] tlsPassword() {
        return secret(tlsPasswordFile.orElseThrow(), "VENOM_TLS_PASSWORD_FILE").toCharArray();
    }

    private static Boolean onOff(String raw) {
        return switch (raw.trim()) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("must be on or off, was '" + raw.trim() + "'");
        };
    }

    private static Boolean trueFalse(String raw) {
        return switch (raw.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("must be true or false, was '" + raw.trim() + "'");
        };
    }

    private static ServerConfig parse(Map<String, String> v, Map<String, String> env, Map<String, String> sources,
                                      List<String> warnings) {
        Function<Setting<?>, String> from = setting -> sources.getOrDefault(setting.key(), "default");
        String host = HOST.read(v, from.apply(HOST));
        int port = PORT.read(v, from.apply(PORT)).intValue();
        String stateFile = STATE_FILE.read(v, from.apply(STATE_FILE));
        String store = STORE.read(v, from.apply(STORE));
        Duration delay = Duration.ofMillis(PROCESSING_DELAY.read(v, from.apply(PROCESSING_DELAY)));
        int concurrency = CONCURRENCY.read(v, from.apply(CONCURRENCY)).intValue();
        Map<String, Integer> queues = QUEUES.read(v, from.apply(QUEUES));
        String nodeId = NODE_ID.read(v, from.apply(NODE_ID));
        Duration grace = Duration.ofMillis(SHUTDOWN_GRACE.read(v, from.apply(SHUTDOWN_GRACE)));
        long maxBody = MAX_BODY.read(v, from.apply(MAX_BODY));
        Fsync fsync = FSYNC.read(v, from.apply(FSYNC));
        Duration fsyncBatch = Duration.ofMillis(FSYNC_BATCH.read(v, from.apply(FSYNC_BATCH)));
        long journalMax = JOURNAL_MAX.read(v, from.apply(JOURNAL_MAX));
        Optional<Duration> retention = RETENTION.read(v, from.apply(RETENTION));
        int maxAttempts = MAX_ATTEMPTS.read(v, from.apply(MAX_ATTEMPTS)).intValue();
        Duration retryBase = Duration.ofMillis(RETRY_BASE.read(v, from.apply(RETRY_BASE)));
        long maxPending = MAX_PENDING.read(v, from.apply(MAX_PENDING));
        String processor = PROCESSOR.read(v, from.apply(PROCESSOR));
        Optional<URI> processorUrl = PROCESSOR_URL.read(v, from.apply(PROCESSOR_URL));
        if (processor.equals("http") && processorUrl.isEmpty()) {
            throw new InvalidConfigException("VENOM_PROCESSOR=http needs VENOM_PROCESSOR_URL, the address each task "
                    + "is POSTed to");
        }
        Duration processorTimeout = Duration.ofMillis(PROCESSOR_TIMEOUT.read(v, from.apply(PROCESSOR_TIMEOUT)));
        String dbSchema = DB_SCHEMA.read(v, from.apply(DB_SCHEMA));
        int dbPoolSize = DB_POOL_SIZE.read(v, from.apply(DB_POOL_SIZE)).intValue();
        Duration lease = Duration.ofMillis(LEASE.read(v, from.apply(LEASE)));
        Duration heartbeat = Duration.ofMillis(HEARTBEAT.read(v, from.apply(HEARTBEAT)));
        if (heartbeat.compareTo(lease) >= 0) {
            throw new InvalidConfigException("VENOM_HEARTBEAT_MS (" + heartbeat.toMillis() + ") must be shorter than "
                    + "VENOM_LEASE_MS (" + lease.toMillis() + "), or claims expire between renewals");
        }
        Duration pollInterval = Duration.ofMillis(POLL.read(v, from.apply(POLL)));
        Duration claimCooldown = CLAIM_COOLDOWN.read(v, from.apply(CLAIM_COOLDOWN)).map(Duration::ofMillis)
                .orElse(store.startsWith("jdbc:postgresql:") ? POSTGRES_CLAIM_COOLDOWN : Duration.ZERO);
        int eventWindow = EVENT_WINDOW.read(v, from.apply(EVENT_WINDOW)).intValue();
        TaskLog language = LANGUAGE.read(v, from.apply(LANGUAGE));
        Duration snapshotInterval = Duration.ofMillis(SNAPSHOT_INTERVAL.read(v, from.apply(SNAPSHOT_INTERVAL)));
        String keysFile = API_KEYS_FILE.read(v, from.apply(API_KEYS_FILE));
        boolean auth = AUTH.read(v, from.apply(AUTH));
        boolean metricsPublic = METRICS_PUBLIC.read(v, from.apply(METRICS_PUBLIC));
        Optional<Set<String>> allowedHosts = ALLOWED_HOSTS.read(v, from.apply(ALLOWED_HOSTS));
        Set<String> corsOrigins = CORS_ORIGINS.read(v, from.apply(CORS_ORIGINS));
        Duration requestTimeout = Duration.ofMillis(REQUEST_TIMEOUT.read(v, from.apply(REQUEST_TIMEOUT)));
        Duration idleTimeout = Duration.ofMillis(IDLE_TIMEOUT.read(v, from.apply(IDLE_TIMEOUT)));
        int maxConnections = MAX_CONNECTIONS.read(v, from.apply(MAX_CONNECTIONS)).intValue();
        long auditMaxBytes = AUDIT_MAX_BYTES.read(v, from.apply(AUDIT_MAX_BYTES));
        int rateLimit = RATE_LIMIT.read(v, from.apply(RATE_LIMIT)).intValue();
        int maxStreams = MAX_STREAMS.read(v, from.apply(MAX_STREAMS)).intValue();
        int maxStreamsPerKey = MAX_STREAMS_PER_KEY.read(v, from.apply(MAX_STREAMS_PER_KEY)).intValue();
        Optional<Path> tlsKeystore = optional(TLS_KEYSTORE.read(v, from.apply(TLS_KEYSTORE))).map(Path::of);
        Optional<Path> tlsPasswordFile = optional(TLS_PASSWORD_FILE.read(v, from.apply(TLS_PASSWORD_FILE)))
                .map(Path::of);
        if (tlsKeystore.isPresent() != tlsPasswordFile.isPresent()) {
            throw new InvalidConfigException("VENOM_TLS_KEYSTORE and VENOM_TLS_PASSWORD_FILE go together: set both "
                    + "for HTTPS, or neither");
        }
        Optional<String> dbPassword = optional(DB_PASSWORD.read(v, from.apply(DB_PASSWORD)));
        Optional<String> dbPasswordFile = optional(DB_PASSWORD_FILE.read(v, from.apply(DB_PASSWORD_FILE)));
        if (dbPasswordFile.isPresent()) {
            if (dbPassword.isPresent()) {
                throw new InvalidConfigException("set VENOM_DB_PASSWORD or VENOM_DB_PASSWORD_FILE, not both");
            }
            dbPassword = Optional.of(secret(Path.of(dbPasswordFile.get()), "VENOM_DB_PASSWORD_FILE"));
        }
        Map<String, String> settings = new TreeMap<>(env);
        settings.putAll(v);
        return new ServerConfig(host, port, Path.of(stateFile), store, delay, concurrency,
                nodeId.isEmpty() ? Optional.empty() : Optional.of(nodeId), grace, maxBody,
                fsync, fsyncBatch, journalMax, retention, maxAttempts, retryBase, maxPending, processor,
                processorUrl, processorTimeout, optional(DB_USER.read(v, from.apply(DB_USER))),
                dbPassword, dbSchema, dbPoolSize, lease, heartbeat,
                pollInterval, claimCooldown, eventWindow, language, snapshotInterval, queues,
                keysFile.isEmpty() ? Optional.empty() : Optional.of(Path.of(keysFile)), auth, metricsPublic,
                allowedHosts, corsOrigins, requestTimeout, idleTimeout, maxConnections, auditMaxBytes, tlsKeystore,
                tlsPasswordFile, rateLimit, maxStreams, maxStreamsPerKey,
                Collections.unmodifiableMap(settings),
                Map.copyOf(sources),
                List.copyOf(warnings));
    }

    private static Optional<String> optional(String text) {
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    /** True for {@code VENOM_STORE=jdbc:postgresql://...}. */
    public boolean usesPostgres() {
        return store.startsWith("jdbc:postgresql:");
    }

    private static Optional<URI> url(String raw) {
        String text = raw.trim();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(text);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return Optional.of(uri);
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new IllegalArgumentException("must be an http:// or https:// URL, was '" + text + "'");
    }

    private static Fsync fsync(String raw) {
        String text = raw.trim();
        try {
            return Fsync.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be always, batch or off, was '" + text + "'");
        }
    }

    private static Optional<Long> cooldown(String raw) {
        return raw.isBlank() ? Optional.empty() : Optional.of(Setting.integer(0, 1000).parse(raw));
    }

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    /** {@code 7d}, {@code 12h}, {@code 30m}, {@code 90s}, {@code 500ms} or ISO-8601 ({@code P7D}); empty: none. */
    /** In {@link #queues()}: the queue is left to remote workers, this server runs none of its tasks. */
    public static final int REMOTE = 0;

    /** {@code name:N,name:remote}: each name a queue name, each N 1..10000 or {@code remote}, no name twice. */
    private static Map<String, Integer> queues(String raw) {
        Map<String, Integer> queues = new LinkedHashMap<>();
        for (String entry : raw.split(",")) {
            String item = entry.strip();
            if (item.isEmpty()) {
                continue;
            }
            int colon = item.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("must be name:concurrency pairs such as default:64,urgent:8; '"
                        + item + "' has no ':'");
            }
            String name = item.substring(0, colon).strip();
            TaskRequest.checkQueue(name);
            String value = item.substring(colon + 1).strip();
            int limit;
            try {
                limit = value.equals("remote") ? REMOTE : Integer.parseInt(value);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit != REMOTE && (limit < 1 || limit > 10_000)) {
                throw new IllegalArgumentException("the concurrency of queue " + name + " must be 1..10000 or "
                        + "remote, was '" + value + "'");
            }
            if (queues.put(name, limit) != null) {
                throw new IllegalArgumentException("queue " + name + " is named twice");
            }
        }
        return Collections.unmodifiableMap(queues);
    }

    private static Optional<Duration> retention(String raw) {
        String text = raw.trim();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Duration retention;
        Matcher m = SHORT_DURATION.matcher(text);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                retention = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            } else {
                retention = Duration.parse(text.toUpperCase(Locale.ROOT));
            }
        } catch (RuntimeException e) {
            retention = Duration.ZERO;
        }
        if (retention.isZero() || retention.isNegative()) {
            throw new IllegalArgumentException("must be a positive duration such as 7d, 12h or P7D, was '" + text + "'");
        }
        return Optional.of(retention);
    }

    /** Reads {@code KEY=VALUE} lines; {@code #} comments, blank lines, {@code export} and quotes allowed. */
    static Map<String, String> readDotEnv(Path file, List<String> warnings) {
        Map<String, String> entries = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return entries;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            warnings.add("cannot read " + file + " (" + e.getMessage() + "); it is ignored");
            return entries;
        }
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring(7).strip();
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                warnings.add(file + " line " + (n + 1) + " is not KEY=VALUE; it is ignored");
                continue;
            }
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                    || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            } else {
                int comment = value.indexOf(" #");
                value = comment < 0 ? value : value.substring(0, comment).strip();
            }
            entries.put(line.substring(0, eq).strip(), value);
        }
        return entries;
    }
}
