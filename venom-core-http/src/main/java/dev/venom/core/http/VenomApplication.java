package dev.venom.core.http;

import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.TaskProcessor;
import dev.venom.core.engine.TaskProcessorProvider;
import dev.venom.core.engine.StateStore;
import dev.venom.core.http.internal.ApiJson;
import dev.venom.core.http.internal.SchedulesFile;
import dev.venom.core.persistence.JsonFileStateStore;
import dev.venom.core.persistence.AuditTrail;
import dev.venom.core.persistence.JsonLinesAuditTrail;
import dev.venom.core.persistence.PostgresStateStore;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole server wired from a {@link ServerConfig}: the embedded store, the orchestrator and the HTTP
 * adapter. Closing it stops them in reverse order: no new requests, running tasks finish within the
 * grace period, then the store writes its snapshot.
 */
public final class VenomApplication implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VenomApplication.class);

    private final StateStore store;
    private final String storeDescription;
    private final LiveEvents events;
    private final Orchestrator orchestrator;
    private final VenomServer server;
    private final AuditTrail audit;
    private final CountDownLatch closed = new CountDownLatch(1);

    private VenomApplication(StateStore store, String storeDescription, LiveEvents events, Orchestrator orchestrator,
                             VenomServer server, AuditTrail audit) {
        this.store = store;
        this.audit = audit;
        this.events = events;
        this.storeDescription = storeDescription;
        this.orchestrator = orchestrator;
        this.server = server;
    }

    /**
     * Opens the store, starts the engine and binds the server.
     *
     * @throws dev.venom.core.engine.StoreException if the state cannot be opened
     */
    public static VenomApplication start(ServerConfig config) {
        config.warnings().forEach(warning -> log.warn("config: {}", warning));
        String access = config.checkAccess();
        String node = config.nodeId().orElseGet(Orchestrator::defaultNodeId);
        ServerMetrics metrics = ServerMetrics.create();
        StateStore store;
        String description;
        if (config.usesPostgres()) {
            PostgresStateStore.Builder postgres = PostgresStateStore.builder(config.store())
                    .schema(config.dbSchema())
                    .poolSize(config.dbPoolSize())
                    .retention(config.retention().orElse(null))
                    .node(node)
                    .language(config.language())
                    .commitObserver(metrics.commits("venom.db.commit", "PostgreSQL write transaction"));
            config.dbUser().ifPresent(postgres::user);
            config.dbPassword().ifPresent(postgres::password);
            PostgresStateStore opened = postgres.open();
            metrics.watch(opened);
            store = opened;
            description = "postgresql " + opened.describe();
        } else {
            JsonFileStateStore opened = JsonFileStateStore.builder(config.stateFile())
                    .language(config.language())
                    .liveSnapshot(config.snapshotInterval())
                    .fsync(config.fsync())
                    .batchInterval(config.fsyncBatch())
                    .compactionThresholdBytes(config.journalMaxBytes())
                    .retention(config.retention().orElse(null))
                    .commitObserver(metrics.commits("venom.journal.fsync", "fsync of the journal"))
                    .open();
            store = opened;
            description = "json " + opened.path() + ", " + opened.size() + " task(s), " + opened.recoveredAtOpen()
                    + " recovered after restart, fsync " + config.fsync().name().toLowerCase(Locale.ROOT);
        }
        Orchestrator orchestrator = null;
        AuditTrail audit = null;
        try {
            audit = store instanceof PostgresStateStore postgres ? postgres.auditTrail()
                    : JsonLinesAuditTrail.open(config.stateFile().toAbsolutePath().resolveSibling("audit.log"),
                            config.auditMaxBytes());
            LiveEvents events = LiveEvents.create(config.eventWindow());
            Orchestrator.Builder engine = Orchestrator.builder()
                    .listener(metrics.listener())
                    .listener(events)
                    .store(store)
                    .processor(processor(config))
                    .concurrency(config.concurrency())
                    .shutdownGrace(config.shutdownGrace())
                    .defaultMaxAttempts(config.maxAttempts())
                    .retryBase(config.retryBase())
                    .maxPending(config.maxPending())
                    .lease(config.lease())
                    .heartbeat(config.heartbeat())
                    .pollInterval(config.pollInterval())
                    .claimCooldown(config.claimCooldown())
                    .nodeId(node)
                    .language(config.language());
            config.queues().forEach((queue, limit) -> {
                if (limit == ServerConfig.REMOTE) {
                    engine.remoteQueue(queue);
                } else {
                    engine.queue(queue, limit);
                }
            });
            orchestrator = engine.build().start();
            metrics.watch(orchestrator);
            if (config.schedulesFile().isPresent()) {
                Path schedules = config.schedulesFile().get();
                try {
                    int applied = SchedulesFile.apply(schedules, ApiJson.mapper(), orchestrator);
                    log.info("schedules: {} from {}", applied, schedules);
                } catch (IllegalArgumentException e) {
                    throw new ServerConfig.InvalidConfigException("VENOM_SCHEDULES_FILE: " + e.getMessage());
                }
            }
            VenomServer.Builder http = VenomServer.builder()
                    .orchestrator(orchestrator)
                    .host(config.host())
                    .port(config.port())
                    .maxBodyBytes(config.maxBodyBytes())
                    .language(config.language())
                    .metrics(metrics)
                    .events(events)
                    .corsOrigins(config.corsOrigins())
                    .requestTimeout(config.requestTimeout())
                    .idleTimeout(config.idleTimeout())
                    .maxConnections(config.maxConnections())
                    .auditTrail(audit)
                    .rateLimit(config.rateLimit())
                    .maxStreams(config.maxStreams(), config.maxStreamsPerKey());
            config.allowedHosts().ifPresent(http::allowedHosts);
            if (config.tlsKeystore().isPresent()) {
                try {
                    http.tls(config.tlsKeystore().get(), config.tlsPassword());
                } catch (IllegalArgumentException e) {
                    throw new ServerConfig.InvalidConfigException(e.getMessage());
                }
            }
            config.apiKeysFile().ifPresent(keys -> http.apiKeysFile(keys).metricsPublic(config.metricsPublic()));
            VenomServer server = http.start();
            InetSocketAddress at = server.address();
            log.info("Venom Core listening on {}://{}:{} (store: {}; processor: {}; concurrency: {}; node: {}; "
                            + "{}; config: {})", server.scheme(), urlHost(at), at.getPort(), description, orchestrator.processor(),
                    orchestrator.concurrency(), orchestrator.nodeId(), access, config.describe());
            return new VenomApplication(store, description, events, orchestrator, server, audit);
        } catch (RuntimeException e) {
            if (orchestrator != null) {
                orchestrator.close();
            }
            if (audit != null) {
                audit.close();
            }
            store.close();
            throw e;
        }
    }

    /**
     * The processor {@code VENOM_PROCESSOR} names: a {@link TaskProcessorProvider} found on the class path, the
     * built-in {@code simulated} and {@code http} among them.
     *
     * @throws ServerConfig.InvalidConfigException if no processor has that name, or it rejects its settings
     */
    static TaskProcessor processor(ServerConfig config) {
        String name = config.processor();
        List<String> found = new ArrayList<>();
        for (TaskProcessorProvider provider : ServiceLoader.load(TaskProcessorProvider.class)) {
            if (provider.name().equals(name)) {
                try {
                    return Objects.requireNonNull(provider.create(config.settings()),
                            () -> provider.getClass().getName() + ".create returned null");
                } catch (IllegalArgumentException e) {
                    throw new ServerConfig.InvalidConfigException("processor " + name + ": " + e.getMessage());
                }
            }
            found.add(provider.name());
        }
        throw new ServerConfig.InvalidConfigException("VENOM_PROCESSOR '" + name + "' is unknown; available: "
                + String.join(", ", found) + " (a custom processor's jar must be on the class path, listed in "
                + "META-INF/services/" + TaskProcessorProvider.class.getName() + ")");
    }

    /** Where the HTTP server listens. */
    public InetSocketAddress address() {
        return server.address();
    }

    /** The engine, for embedding tests. */
    public Orchestrator orchestrator() {
        return orchestrator;
    }

    /**
     * Stops HTTP, lets running tasks finish within the grace period, writes the snapshot. Idempotent; a
     * second caller waits until the first has finished.
     */
    @Override
    public synchronized void close() {
        if (closed.getCount() == 0) {
            return;
        }
        log.info("stopping: new tasks are refused (503); waiting for running tasks");
        orchestrator.close(); // reads and cancels are still served while running attempts finish
        events.close(); // live streams end, so the server's graceful stop does not wait on them
        server.close();
        audit.close();
        closeProcessor();
        store.close();
        if (store instanceof JsonFileStateStore json) {
            String saved = "json " + json.path() + ", " + json.size() + " task(s)";
            if (json.savedOnClose()) {
                log.info("stopped; state saved to {}", saved);
            } else {
                log.error("stopped; the final snapshot of {} could not be written, its journal keeps every change "
                        + "for the next start", saved);
            }
        } else {
            log.info("stopped; state saved to {}", storeDescription);
        }
        closed.countDown();
    }

    private void closeProcessor() {
        if (orchestrator.processor() instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.warn("closing processor {} failed", orchestrator.processor(), e);
            }
        }
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /** The bound host as a URL writes it: an IPv6 address (the wildcard address included) in brackets. */
    private static String urlHost(InetSocketAddress at) {
        String host = at.getHostString();
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
