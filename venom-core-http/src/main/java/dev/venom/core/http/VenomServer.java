package dev.venom.core.http;

import dev.venom.core.engine.Orchestrator;
import dev.venom.core.model.TaskLog;
import dev.venom.core.persistence.AuditEntry;
import dev.venom.core.persistence.AuditTrail;
import dev.venom.core.http.internal.ApiJson;
import dev.venom.core.http.internal.HttpApi;
import dev.venom.core.http.internal.HttpListener;
import dev.venom.core.http.internal.LiveStreams;
import dev.venom.core.http.internal.MemoryGuard;
import dev.venom.core.http.internal.RequestLimits;
import dev.venom.core.http.internal.auth.Access;
import dev.venom.core.http.internal.auth.ApiKeys;
import dev.venom.core.http.internal.auth.Exposure;
import dev.venom.core.http.internal.auth.KeysFile;
import io.undertow.Handlers;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.GracefulShutdownHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.xnio.OptionMap;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of an {@link Orchestrator}: the original service's API on Undertow. No IO thread ever
 * blocks: a create answers when the store's write completes, reads run on worker threads.
 * {@link #close()} stops accepting, lets requests in progress finish, then stops the listener.
 */
public final class VenomServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VenomServer.class);

    private final HttpListener listener;
    private final GracefulShutdownHandler graceful;
    private final InetSocketAddress address;
    private final MemoryGuard memory;
    private final ExecutorService ops;
    private final ApiKeys keys;
    private final LiveStreams streams;
    private final boolean tls;
    private volatile boolean closed;

    private VenomServer(Builder b) {
        this.tls = b.tls != null;
        this.streams = new LiveStreams(b.maxStreams, b.maxStreamsPerKey);
        this.keys = b.apiKeysFile == null ? null : ApiKeys.open(new KeysFile(b.apiKeysFile), (added, removed) -> {
            streams.closeStreamsOf(removed);
            if (b.audit != null) {
                b.audit.record(new AuditEntry(0, Instant.now(), null, null, null, "RELOAD", b.apiKeysFile.toString(),
                        "keys.change", "added " + added + ", removed " + removed, 0, b.orchestrator.nodeId()));
            }
        });
        this.memory = MemoryGuard.forThisJvm(b.maxBodyBytes);
        this.ops = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "venom-http-ops");
            thread.setDaemon(true);
            return thread;
        });
        HttpApi api = new HttpApi(b.orchestrator, ApiJson.mapper(), b.maxBodyBytes,
                b.metrics == null ? null : b.metrics.registry(), b.events == null ? null : b.events.stream(), memory,
                ops, b.language, new Exposure(keys, new Access(b.metricsPublic),
                        b.allowedHosts != null ? b.allowedHosts : defaultHosts(b.host), b.corsOrigins, b.audit,
                        b.rateLimit, streams));
        this.graceful = Handlers.gracefulShutdown(api.handler());
        HttpHandler root = exchange -> {
            if (closed) {
                api.shuttingDown(exchange);
            } else {
                graceful.handleRequest(exchange);
            }
        };
        // No server-wide entity limit: Undertow drops a chunked body over it unanswered. The create route reads
        // bodies up to maxBodyBytes and answers 413 beyond; no other route reads one. A '{' or '|' in a path
        // reaches the routes, which answer it in JSON, not Undertow's bare 400.
        this.listener = HttpListener.open(b.host, b.port, OptionMap.builder()
                .set(UndertowOptions.ALLOW_UNESCAPED_CHARACTERS_IN_URL, true)
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, (int) b.requestTimeout.toMillis())
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, (int) b.idleTimeout.toMillis())
                .set(UndertowOptions.MAX_HEADER_SIZE, RequestLimits.PARSER_LIMIT_BYTES)
                .getMap(), b.maxConnections, b.tls, root);
        this.address = listener.address();
    }

    /** A builder; {@link Builder#orchestrator orchestrator} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Where the server listens; the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return address;
    }

    /** {@code https} when serving TLS, else {@code http}. */
    public String scheme() {
        return tls ? "https" : "http";
    }

    /** Stops taking requests, waits up to 5 s for those in progress, then stops. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        graceful.shutdown();
        try {
            if (!graceful.awaitShutdown(5_000)) {
                log.warn("HTTP requests still in progress after 5 s; stopping anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listener.close();
        ops.shutdownNow();
        memory.close();
        if (keys != null) {
            keys.close();
        }
    }

    /** The hosts a server bound to {@code host} answers for by default; empty (any) on the wildcard address. */
    static Set<String> defaultHosts(String host) {
        try {
            InetAddress bound = InetAddress.getByName(host);
            if (bound.isAnyLocalAddress()) {
                return Set.of();
            }
        } catch (UnknownHostException e) {
            // binding fails with the reason
        }
        Set<String> hosts = new HashSet<>(List.of(host.toLowerCase(Locale.ROOT), "localhost", "127.0.0.1", "::1"));
        try {
            hosts.add(InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT));
        } catch (UnknownHostException e) {
            // a machine without a resolvable name: the addresses above still serve
        }
        return hosts;
    }

    /** Options of a {@link VenomServer}. */
    public static final class Builder {
        private Orchestrator orchestrator;
        private String host = "127.0.0.1";
        private int port = 8000;
        private long maxBodyBytes = 1024 * 1024;
        private ServerMetrics metrics;
        private LiveEvents events;
        private TaskLog language = TaskLog.EN;
        private Path apiKeysFile;
        private boolean metricsPublic;
        private Set<String> allowedHosts;
        private Set<String> corsOrigins = Set.of();
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private int maxConnections = 2_000;
        private AuditTrail audit;
        private SSLContext tls;
        private int rateLimit;
        private int maxStreams = 1_000;
        private int maxStreamsPerKey = 100;

        private Builder() {
        }

        /**
         * Asks every request for {@code Authorization: Bearer <key>} of a key in {@code file} whose role allows
         * it (the probes, the dashboard and the API documentation stay open); the file is read again within a
         * second of a change. Default: no keys asked for.
         */
        public Builder apiKeysFile(Path file) {
            this.apiKeysFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * The host names (no port) requests may name in {@code Host}; others get 421, which stops DNS
         * rebinding. Empty allows any. Default: for a loopback or a given address, that address,
         * {@code localhost}, the loopback addresses and this machine's name; for the wildcard address, any.
         */
        public Builder allowedHosts(Set<String> hosts) {
            this.allowedHosts = hosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
            return this;
        }

        /**
         * Origins ({@code https://app.example}) whose pages may use the API: they get CORS headers and may
         * change things; a change from any other origin's page gets 403. Default none.
         */
        public Builder corsOrigins(Set<String> origins) {
            this.corsOrigins = Set.copyOf(origins);
            return this;
        }

        /**
         * How long a client may take to send a request, head and body, from its first byte; a slower one (a
         * slowloris) gets 408 and is disconnected. Default 10 s.
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positiveMillis(timeout, "requestTimeout");
            return this;
        }

        /**
         * How long a connection may stay silent (waiting for its next request, or for a body it announced)
         * before it is closed. Default 60 s.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positiveMillis(timeout, "idleTimeout");
            return this;
        }

        /**
         * The most connections open at once (event streams included); one more is answered 503 with
         * {@code Retry-After} and closed. Default 2,000.
         */
        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be >= 1, was " + maxConnections);
            }
            this.maxConnections = maxConnections;
            return this;
        }

        private static Duration positiveMillis(Duration timeout, String name) {
            if (timeout.toMillis() < 1 || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + " must be 1 ms..24 days, was " + timeout);
            }
            return timeout;
        }

        /**
         * Records every change and every refused request in {@code audit}, and serves it at
         * {@code GET /api/v1/audit} (admin). Not closed by the server. Default none.
         */
        public Builder auditTrail(AuditTrail audit) {
            this.audit = Objects.requireNonNull(audit, "audit");
            return this;
        }

        /**
         * Serves HTTPS only (HTTP/2 offered by ALPN besides HTTP/1.1) with the key and certificate in the PKCS12
         * {@code keystore}, opened with {@code password}.
         *
         * @throws IllegalArgumentException if the keystore cannot be read or holds no usable key
         */
        public Builder tls(Path keystore, char[] password) {
            try (InputStream in = Files.newInputStream(keystore)) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(in, password);
                KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(store, password);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(keys.getKeyManagers(), null, null);
                this.tls = context;
                return this;
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException("cannot use the TLS keystore " + keystore + ": " + e.getMessage(), e);
            }
        }

        /**
         * At most {@code perSecond} requests a second for each API key (each client address without keys),
         * with bursts of as many; one more gets 429 with {@code Retry-After}. 0 (the default) for no limit.
         */
        public Builder rateLimit(int perSecond) {
            if (perSecond < 0) {
                throw new IllegalArgumentException("rateLimit must be >= 0, was " + perSecond);
            }
            this.rateLimit = perSecond;
            return this;
        }

        /**
         * The most live event streams (Server-Sent Events and WebSockets) open at once, in total (503 beyond)
         * and for one API key (429 beyond). Defaults 1,000 and 100.
         */
        public Builder maxStreams(int total, int perKey) {
            if (total < 1 || perKey < 1) {
                throw new IllegalArgumentException("stream caps must be >= 1, were " + total + " and " + perKey);
            }
            this.maxStreams = total;
            this.maxStreamsPerKey = perKey;
            return this;
        }

        /** With API keys, leaves {@code GET /metrics} open to anyone who can reach it; default false. */
        public Builder metricsPublic(boolean metricsPublic) {
            this.metricsPublic = metricsPublic;
            return this;
        }

        /** Serves {@code GET /metrics} from {@code metrics} and times every request into it; default none. */
        public Builder metrics(ServerMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        /**
         * Serves the live event streams ({@code /api/v1/events}, {@code /api/v1/tasks/{id}/events}, the
         * WebSocket) from {@code events}, which the orchestrator must have as a listener; default none.
         */
        public Builder events(LiveEvents events) {
            this.events = events;
            return this;
        }

        /** The engine behind the API. Required; not closed by the server. */
        public Builder orchestrator(Orchestrator orchestrator) {
            this.orchestrator = Objects.requireNonNull(orchestrator, "orchestrator");
            return this;
        }

        /** The address to bind; default 127.0.0.1. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port, 0..65535 (0: any free port); default 8000. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** The largest request body accepted; larger ones get 413. Default 1 MiB. */
        public Builder maxBodyBytes(long maxBodyBytes) {
            if (maxBodyBytes < 1) {
                throw new IllegalArgumentException("maxBodyBytes must be > 0, was " + maxBodyBytes);
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** The language of the error details the original service wrote in Polish; default English. */
        public Builder language(TaskLog language) {
            this.language = Objects.requireNonNull(language, "language");
            return this;
        }

        /** Binds and starts the server. */
        public VenomServer start() {
            if (orchestrator == null) {
                throw new IllegalStateException("orchestrator is required: VenomServer.builder().orchestrator(...)");
            }
            return new VenomServer(this);
        }
    }
}
