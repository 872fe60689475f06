package dev.venom.core.http;

import dev.venom.core.model.TaskRequest;
import dev.venom.core.persistence.Fsync;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's settings, immutable. Each comes from, highest first: a command-line flag, an environment
 * variable, the {@code .env} file in the working directory, its default. {@link #describe()} says which.
 *
 * @param host            {@code VENOM_HOST}, {@code --host}
 * @param port            {@code VENOM_PORT}, {@code --port}; 0 picks a free port
 * @param stateFile       {@code STATE_FILE_PATH}, {@code --state-file}
 * @param store           {@code VENOM_STORE}, {@code --store}: {@code json}, or a {@code jdbc:postgresql://} URL
 * @param processingDelay {@code VENOM_PROCESSING_DELAY_MS}: the simulated processor's delay
 * @param concurrency     {@code VENOM_CONCURRENCY}: attempts run at once
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
                           Map<String, String> settings,
                           Map<String, String> sources, List<String> warnings) {

    /** The claim cooldown with PostgreSQL unless set: fewer, larger claims cost the database less. */
    static final Duration POSTGRES_CLAIM_COOLDOWN = Duration.ofMillis(10);

    /** Every setting with its default, in the order the README lists them. */
    public static final Map<String, String> DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("VENOM_HOST", "127.0.0.1");
        d.put("VENOM_PORT", "8000");
        d.put("STATE_FILE_PATH", "./data/memory/state_dump.json");
        d.put("VENOM_STORE", "json");
        d.put("VENOM_PROCESSING_DELAY_MS", "2000");
        d.put("VENOM_CONCURRENCY", "64");
        d.put("VENOM_NODE_ID", "");
        d.put("VENOM_SHUTDOWN_GRACE_MS", "30000");
        d.put("VENOM_MAX_BODY_BYTES", "1048576");
        d.put("VENOM_FSYNC", "always");
        d.put("VENOM_FSYNC_BATCH_MS", "10");
        d.put("VENOM_JOURNAL_MAX_BYTES", "67108864");
        d.put("VENOM_RETENTION", "");
        d.put("VENOM_MAX_ATTEMPTS", "1");
        d.put("VENOM_RETRY_BASE_MS", "1000");
        d.put("VENOM_MAX_PENDING", "0");
        d.put("VENOM_PROCESSOR", "simulated");
        d.put("VENOM_PROCESSOR_URL", "");
        d.put("VENOM_PROCESSOR_TIMEOUT_MS", "30000");
        d.put("VENOM_DB_USER", "");
        d.put("VENOM_DB_PASSWORD", "");
        d.put("VENOM_DB_SCHEMA", "public");
        d.put("VENOM_DB_POOL_SIZE", "10");
        d.put("VENOM_LEASE_MS", "30000");
        d.put("VENOM_HEARTBEAT_MS", "5000");
        d.put("VENOM_POLL_MS", "1000");
        d.put("VENOM_CLAIM_COOLDOWN_MS", "");
        d.put("VENOM_EVENT_WINDOW", "10000");
        return Collections.unmodifiableMap(d);
    }

    /** What {@code --help} prints. */
    public static final String USAGE = """
            Usage: java -jar venom-server.jar [--host H] [--port P] [--state-file F] [--store json|jdbc:postgresql://...]
                   [--processing-delay-ms N] [--concurrency N] [--node-id ID] [--shutdown-grace-ms N]
                   [--max-body-bytes N] [--fsync always|batch|off] [--fsync-batch-ms N]
                   [--journal-max-bytes N] [--retention 7d] [--max-attempts N] [--retry-base-ms N]
                   [--max-pending N] [--processor simulated|http|NAME] [--processor-url URL]
                   [--processor-timeout-ms N] [--db-user U] [--db-password P] [--db-schema S]
                   [--db-pool-size N] [--lease-ms N] [--heartbeat-ms N] [--poll-ms N]
                   [--claim-cooldown-ms N] [--event-window N]
            Each flag overrides the environment variable of the same name (VENOM_HOST, VENOM_PORT,
            STATE_FILE_PATH, ...), which overrides .env in the working directory.""";

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

    /** The settings that differ from their defaults; never the environment, which may hold secrets. */
    @Override
    public String toString() {
        return "ServerConfig[" + describe() + "]";
    }

    private static String keyOfFlag(String flag) {
        return flag.equals("state-file") ? "STATE_FILE_PATH"
                : "VENOM_" + flag.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static ServerConfig parse(Map<String, String> v, Map<String, String> env, Map<String, String> sources,
                                      List<String> warnings) {
        Function<String, String> from = key -> " (from " + sources.getOrDefault(key, "default") + ")";
        String host = v.get("VENOM_HOST").trim();
        if (host.isEmpty()) {
            throw new InvalidConfigException("VENOM_HOST must not be empty" + from.apply("VENOM_HOST"));
        }
        int port = (int) number(v, "VENOM_PORT", 0, 65_535, from);
        String stateFile = v.get("STATE_FILE_PATH").trim();
        if (stateFile.isEmpty()) {
            throw new InvalidConfigException("STATE_FILE_PATH must not be empty" + from.apply("STATE_FILE_PATH"));
        }
        String store = v.get("VENOM_STORE").trim();
        if (!store.equals("json") && !store.startsWith("jdbc:postgresql://")) {
            throw new InvalidConfigException("VENOM_STORE must be 'json' (the embedded journal) or a PostgreSQL JDBC "
                    + "URL such as jdbc:postgresql://127.0.0.1:5432/venom, was '" + store + "'" + from.apply("VENOM_STORE"));
        }
        Duration delay = Duration.ofMillis(number(v, "VENOM_PROCESSING_DELAY_MS", 0, 86_400_000L, from));
        int concurrency = (int) number(v, "VENOM_CONCURRENCY", 1, 10_000, from);
        String nodeId = v.get("VENOM_NODE_ID").trim();
        Duration grace = Duration.ofMillis(number(v, "VENOM_SHUTDOWN_GRACE_MS", 0, 3_600_000L, from));
        long maxBody = number(v, "VENOM_MAX_BODY_BYTES", 1, 1L << 30, from);
        Fsync fsync;
        try {
            fsync = Fsync.valueOf(v.get("VENOM_FSYNC").trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("VENOM_FSYNC must be always, batch or off, was '"
                    + v.get("VENOM_FSYNC").trim() + "'" + from.apply("VENOM_FSYNC"));
        }
        Duration fsyncBatch = Duration.ofMillis(number(v, "VENOM_FSYNC_BATCH_MS", 1, 60_000, from));
        long journalMax = number(v, "VENOM_JOURNAL_MAX_BYTES", 1024, 1L << 40, from);
        Optional<Duration> retention = retention(v.get("VENOM_RETENTION").trim(), from.apply("VENOM_RETENTION"));
        int maxAttempts = (int) number(v, "VENOM_MAX_ATTEMPTS", 1, TaskRequest.MAX_ATTEMPTS, from);
        Duration retryBase = Duration.ofMillis(number(v, "VENOM_RETRY_BASE_MS", 1, 600_000, from));
        long maxPending = number(v, "VENOM_MAX_PENDING", 0, Long.MAX_VALUE, from);
        String processor = v.get("VENOM_PROCESSOR").trim();
        if (!processor.matches("[A-Za-z0-9._-]+")) {
            throw new InvalidConfigException("VENOM_PROCESSOR must be simulated, http or the name of a custom "
                    + "processor, was '" + processor + "'" + from.apply("VENOM_PROCESSOR"));
        }
        Optional<URI> processorUrl = url(v.get("VENOM_PROCESSOR_URL").trim(), from.apply("VENOM_PROCESSOR_URL"));
        if (processor.equals("http") && processorUrl.isEmpty()) {
            throw new InvalidConfigException("VENOM_PROCESSOR=http needs VENOM_PROCESSOR_URL, the address each task "
                    + "is POSTed to");
        }
        Duration processorTimeout = Duration.ofMillis(number(v, "VENOM_PROCESSOR_TIMEOUT_MS", 1, 86_400_000L, from));
        String dbSchema = v.get("VENOM_DB_SCHEMA").trim();
        if (!dbSchema.matches("[A-Za-z_][A-Za-z0-9_]{0,40}")) {
            throw new InvalidConfigException("VENOM_DB_SCHEMA must be a plain identifier, was '" + dbSchema + "'"
                    + from.apply("VENOM_DB_SCHEMA"));
        }
        int dbPoolSize = (int) number(v, "VENOM_DB_POOL_SIZE", 2, 200, from);
        Duration lease = Duration.ofMillis(number(v, "VENOM_LEASE_MS", 1000, 3_600_000L, from));
        Duration heartbeat = Duration.ofMillis(number(v, "VENOM_HEARTBEAT_MS", 100, 600_000L, from));
        if (heartbeat.compareTo(lease) >= 0) {
            throw new InvalidConfigException("VENOM_HEARTBEAT_MS (" + heartbeat.toMillis() + ") must be shorter than "
                    + "VENOM_LEASE_MS (" + lease.toMillis() + "), or claims expire between renewals");
        }
        Duration pollInterval = Duration.ofMillis(number(v, "VENOM_POLL_MS", 10, 600_000L, from));
        Duration claimCooldown = v.get("VENOM_CLAIM_COOLDOWN_MS").isBlank()
                ? (store.startsWith("jdbc:postgresql:") ? POSTGRES_CLAIM_COOLDOWN : Duration.ZERO)
                : Duration.ofMillis(number(v, "VENOM_CLAIM_COOLDOWN_MS", 0, 1000, from));
        int eventWindow = (int) number(v, "VENOM_EVENT_WINDOW", 1, 1_000_000, from);
        Map<String, String> settings = new TreeMap<>(env);
        settings.putAll(v);
        return new ServerConfig(host, port, Path.of(stateFile), store, delay, concurrency,
                nodeId.isEmpty() ? Optional.empty() : Optional.of(nodeId), grace, maxBody,
                fsync, fsyncBatch, journalMax, retention, maxAttempts, retryBase, maxPending, processor,
                processorUrl, processorTimeout, optional(v.get("VENOM_DB_USER")), optional(v.get("VENOM_DB_PASSWORD")),
                dbSchema, dbPoolSize, lease, heartbeat, pollInterval, claimCooldown, eventWindow,
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

    private static Optional<URI> url(String text, String from) {
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
        throw new InvalidConfigException("VENOM_PROCESSOR_URL must be an http:// or https:// URL, was '" + text + "'"
                + from);
    }

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    /** {@code 7d}, {@code 12h}, {@code 30m}, {@code 90s}, {@code 500ms} or ISO-8601 ({@code P7D}); empty: none. */
    static Optional<Duration> retention(String text, String from) {
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
            throw new InvalidConfigException("VENOM_RETENTION must be a positive duration such as 7d, 12h or P7D, "
                    + "was '" + text + "'" + from);
        }
        return Optional.of(retention);
    }

    private static long number(Map<String, String> v, String key, long min, long max,
                               Function<String, String> from) {
        String text = v.get(key).trim();
        try {
            long value = Long.parseLong(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below with the range
        }
        throw new InvalidConfigException(key + " must be an integer " + min + ".." + max + ", was '" + text + "'"
                + from.apply(key));
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
