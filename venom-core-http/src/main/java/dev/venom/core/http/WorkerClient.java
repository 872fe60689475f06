package dev.venom.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.WorkRequest;
import dev.venom.core.model.Labels;
import dev.venom.core.model.Progress;
import dev.venom.core.model.VenomTask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A remote worker for the JVM, on another machine than the servers: it long-polls a Venom server for tasks of
 * its queues whose requirements its labels satisfy, runs each through a {@link Handler}, and reports the
 * outcome, as the Python client ({@code clients/python}) does. While a task runs, a background thread renews
 * its lease and sends its progress; a cancel on the server turns {@link RemoteTask#isCancelled()} true.
 * {@link #close()} stops it gracefully: no new task, running ones get the grace period, the rest are released
 * to run elsewhere. A server that is down is retried with exponential backoff.
 */
public final class WorkerClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerClient.class);
    /** How long a claim waits, once a slot is free, for half the slots to be: fewer, larger claims. */
    private static final long CLAIM_LINGER_MS = 5;
    /** How long an outcome waits for others to be reported with it. */
    private static final long REPORT_LINGER_MS = 2;
    private static final int REPORT_MAX = 100;
    /** How long one heartbeat may take: well inside a lease, so a slow one does not let others expire. */
    private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(5);

    /** Runs one task; returns its result, or throws to fail the attempt ({@link Failure} to say how). */
    @FunctionalInterface
    public interface Handler {
        String handle(RemoteTask task) throws Exception;
    }

    /** Thrown by a handler to fail an attempt with control over its retry. */
    public static final class Failure extends Exception {
        private final boolean retryable;
        private final Duration retryAfter;

        /** @param retryAfter when the next attempt may run, or null for the server's backoff */
        public Failure(String message, boolean retryable, Duration retryAfter) {
            super(message);
            this.retryable = retryable;
            this.retryAfter = retryAfter;
        }
    }

    /** The server answered 409: the attempt is no longer this worker's. */
    private static final class Fenced extends Exception {
        Fenced(String detail) {
            super(detail, null, false, false);
        }
    }

    /** The server could not be reached or answered 5xx or 429: retry later. */
    private static final class Unavailable extends Exception {
        Unavailable(String why) {
            super(why, null, false, false);
        }
    }

    private final URI server;
    private final String key;
    private final String workerId;
    private final List<String> queues;
    private final Map<String, String> labels;
    private final int maxTasks;
    private final Duration wait;
    private final Duration grace;
    private final Duration backoffMax;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper mapper = JsonMapper.builder().addModule(new JavaTimeModule()).build();
    private final Map<UUID, RemoteTask> running = new ConcurrentHashMap<>();
    /** A permit per task that may run now: a claim asks for as many as are free. */
    private final Semaphore free;
    /** Outcomes of ended attempts, reported many to a call by {@link #reporter}. */
    private final LinkedBlockingQueue<Map<String, Object>> outcomes = new LinkedBlockingQueue<>();
    private final Thread reporter = new Thread(this::reportOutcomes, "venom-worker-reporter");
    private volatile boolean reporterStopping;
    private final ExecutorService tasks;
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "venom-worker-heartbeats");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean stopping;
    private volatile Thread claiming;
    private volatile long heartbeatMillis;
    private final boolean heartbeatFixed;

    private WorkerClient(Builder b) {
        this.server = b.server;
        this.key = b.key;
        this.workerId = b.workerId;
        this.queues = List.copyOf(b.queues);
        this.labels = b.labels;
        this.maxTasks = b.maxTasks;
        this.wait = b.wait;
        this.grace = b.grace;
        this.backoffMax = b.backoffMax;
        this.heartbeatMillis = b.heartbeat == null ? 1_000 : b.heartbeat.toMillis();
        this.heartbeatFixed = b.heartbeat != null;
        this.tasks = Executors.newFixedThreadPool(maxTasks, runnable -> new Thread(runnable, "venom-worker-task"));
        this.free = new Semaphore(maxTasks);
        reporter.setDaemon(true);
        new WorkRequest(workerId, queues, labels, maxTasks, wait); // the same checks as the server's
    }

    /** A builder for a worker of {@code server} (such as {@code http://venom:8000}). */
    public static Builder builder(URI server) {
        return new Builder(server);
    }

    /** This worker's id: its claims are held by {@code worker:<id>}. */
    public String workerId() {
        return workerId;
    }

    /** Claims and runs tasks until {@link #close()}; blocks the calling thread. */
    public void run(Handler handler) {
        claiming = Thread.currentThread();
        scheduleHeartbeats();
        reporter.start();
        int failures = 0;
        try {
            while (!stopping) {
                free.acquire(); // a slot is free; a few ms for more to free, so claims stay large
                int asked = 1 + (free.tryAcquire(Math.max(0, maxTasks / 2 - 1), CLAIM_LINGER_MS, TimeUnit.MILLISECONDS)
                        ? Math.max(0, maxTasks / 2 - 1) : 0);
                asked += free.drainPermits();
                JsonNode claims;
                try {
                    claims = call("/api/v1/workers/claim", Map.of("worker_id", workerId, "queues", queues, "labels",
                            labels, "max", asked, "wait_ms", wait.toMillis()), wait.plusSeconds(15));
                    failures = 0;
                    free.release(asked - claims.size());
                } catch (Unavailable e) {
                    free.release(asked);
                    failures++;
                    long delay = (long) (Math.min(backoffMax.toMillis(), 500L << Math.min(failures, 16))
                            * ThreadLocalRandom.current().nextDouble(0.5, 1.0));
                    log.warn("server unavailable ({}); trying again in {} ms", e.getMessage(), delay);
                    Thread.sleep(delay);
                    continue;
                }
                for (JsonNode claim : claims) {
                    RemoteTask task = new RemoteTask(mapper.treeToValue(claim.get("task"), VenomTask.class),
                            claim.get("attempt").asInt(), dependencyResults(claim.path("dependency_results")), this);
                    if (stopping) {
                        release(task);
                        free.release();
                        continue;
                    }
                    running.put(task.task().id(), task);
                    try {
                        tasks.execute(() -> execute(handler, task));
                    } catch (RejectedExecutionException closing) {
                        running.remove(task.task().id());
                        release(task);
                        free.release();
                    }
                }
            }
        } catch (InterruptedException e) {
            // close() stops a waiting claim
        } catch (Fenced | IOException e) {
            throw new IllegalStateException("claiming failed: " + e.getMessage(), e);
        } finally {
            claiming = null;
            stopping = true;
        }
    }

    /** Stops taking tasks, gives running ones the grace period, then releases the rest. Idempotent. */
    @Override
    public void close() {
        stopping = true;
        Thread waiting = claiming;
        if (waiting != null) {
            waiting.interrupt();
        }
        tasks.shutdown();
        try {
            if (!tasks.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                for (RemoteTask task : List.copyOf(running.values())) {
                    if (!task.isReporting()) { // an outcome on its way is reported, not released
                        task.cancel();
                        release(task);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        heartbeats.shutdownNow();
        tasks.shutdownNow();
        reporterStopping = true; // it reports what is left, then ends
        try {
            reporter.join(grace.toMillis() + 1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reports ended attempts' outcomes, as many to a call as have ended within a few ms of each other. */
    private void reportOutcomes() {
        while (true) {
            Map<String, Object> first;
            try {
                first = outcomes.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (reporterStopping) {
                        return;
                    }
                    continue;
                }
                List<Map<String, Object>> batch = new ArrayList<>(List.of(first));
                Thread.sleep(REPORT_LINGER_MS);
                outcomes.drainTo(batch, REPORT_MAX - 1);
                send(batch);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void send(List<Map<String, Object>> batch) throws InterruptedException {
        for (int tries = 0; ; tries++) {
            try {
                JsonNode answer = call("/api/v1/workers/report", Map.of("worker_id", workerId, "outcomes", batch),
                        Duration.ofSeconds(30));
                int i = 0;
                for (JsonNode one : answer.path("outcomes")) {
                    Map<String, Object> sent = batch.get(i++);
                    if (one.path("status").asInt() == 503) {
                        outcomes.add(sent); // the store failed this one: it goes again with the next report
                    } else if (one.path("status").asInt() != 200) {
                        log.warn("task {}: outcome of attempt {} not recorded ({} {})", one.path("task_id").asText(),
                                one.path("attempt").asInt(), one.path("status").asInt(), one.path("detail").asText());
                    }
                }
                return;
            } catch (Unavailable e) {
                if (tries == 5) {
                    log.warn("{} outcome(s) not reported ({}); their tasks run again once their lease expires",
                            batch.size(), e.getMessage());
                    return;
                }
                Thread.sleep(Math.min(5_000, 200L << tries));
            } catch (Fenced | IOException e) {
                log.warn("{} outcome(s) not reported: {}", batch.size(), e.getMessage());
                return;
            }
        }
    }

    private static Map<String, Object> outcome(RemoteTask task) {
        Map<String, Object> outcome = new LinkedHashMap<>();
        outcome.put("task_id", task.task().id().toString());
        outcome.put("attempt", task.attempt());
        return outcome;
    }

    private void execute(Handler handler, RemoteTask task) {
        try {
            String result = Objects.requireNonNull(handler.handle(task), "a handler's result");
            task.reporting();
            if (!task.isCancelled()) {
                Map<String, Object> outcome = outcome(task);
                outcome.put("result", result);
                outcomes.add(outcome);
            }
        } catch (Failure failure) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", String.valueOf(failure.getMessage()));
            body.put("retryable", failure.retryable);
            if (failure.retryAfter != null) {
                body.put("retry_after_ms", failure.retryAfter.toMillis());
            }
            report(task, body);
        } catch (Exception e) {
            log.warn("task {} attempt {} failed: {}", task.task().id(), task.attempt(), e.toString());
            report(task, Map.of("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } finally {
            running.remove(task.task().id());
            free.release();
        }
    }

    private void report(RemoteTask task, Map<String, Object> failure) {
        task.reporting();
        if (!task.isCancelled()) {
            Map<String, Object> outcome = outcome(task);
            outcome.putAll(failure);
            outcomes.add(outcome);
        }
    }

    private void release(RemoteTask task) {
        try {
            attemptCall(task, "release", Map.of());
            log.info("task {} released: it runs again elsewhere", task.task().id());
        } catch (Exception e) {
            log.warn("task {} not released ({}); it runs again once its lease expires", task.task().id(),
                    e.getMessage());
        }
    }

    void log(RemoteTask task, String line) {
        try {
            attemptCall(task, "log", Map.of("lines", List.of(line)));
        } catch (Fenced e) {
            task.cancel();
        } catch (Exception e) {
            log.warn("task {}: log line not recorded ({})", task.task().id(), e.getMessage());
        }
    }

    private void scheduleHeartbeats() {
        heartbeats.schedule(() -> {
            try {
                beat();
            } finally {
                if (!heartbeats.isShutdown()) {
                    scheduleHeartbeats();
                }
            }
        }, heartbeatMillis, TimeUnit.MILLISECONDS);
    }

    /** One heartbeat of every running task, all at once, each given a few seconds: one slow call holds no other. */
    private void beat() {
        List<CompletableFuture<Void>> beats = new ArrayList<>();
        for (RemoteTask task : List.copyOf(running.values())) {
            if (task.isReporting()) {
                continue; // its outcome is on its way: the attempt ends with it
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("worker_id", workerId);
            Progress progress = task.progressToSend();
            if (progress != null) {
                body.put("progress", progress.percent());
                body.put("message", progress.message());
            }
            HttpRequest.Builder request;
            try {
                request = HttpRequest.newBuilder(server.resolve("/api/v1/tasks/" + task.task().id() + "/attempts/"
                        + task.attempt() + "/heartbeat")).timeout(HEARTBEAT_TIMEOUT)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(mapper.writeValueAsBytes(body)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (key != null) {
                request.header("Authorization", "Bearer " + key);
            }
            beats.add(http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
                    .thenAccept(response -> heard(task, response))
                    .exceptionally(error -> {
                        log.warn("heartbeat of task {} failed: {}", task.task().id(), error.toString());
                        return null;
                    }));
        }
        try {
            CompletableFuture.allOf(beats.toArray(CompletableFuture[]::new))
                    .get(HEARTBEAT_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.debug("a heartbeat outlived its timeout: {}", e.toString());
        }
    }

    private void heard(RemoteTask task, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        if (status == 409) {
            if (!task.isReporting()) {
                log.warn("task {}: {}; stopping it", task.task().id(), detail(response.body()));
            }
            task.cancel();
            return;
        }
        if (status != 200) {
            log.warn("heartbeat of task {} answered {}: {}", task.task().id(), status, detail(response.body()));
            return;
        }
        try {
            JsonNode answer = mapper.readTree(response.body());
            if (answer.path("cancel_requested").asBoolean()) {
                log.info("task {} was cancelled on the server", task.task().id());
                task.cancel();
            } else if (!heartbeatFixed && answer.hasNonNull("lease_expires_at")) {
                long lease = Duration.between(Instant.now(),
                        Instant.parse(answer.get("lease_expires_at").asText())).toMillis();
                heartbeatMillis = Math.max(200, lease / 3);
            }
        } catch (IOException e) {
            log.warn("heartbeat of task {}: unreadable answer ({})", task.task().id(), e.getMessage());
        }
    }

    private JsonNode attemptCall(RemoteTask task, String what, Map<String, Object> body)
            throws Fenced, IOException, InterruptedException {
        Map<String, Object> withId = new LinkedHashMap<>(body);
        withId.put("worker_id", workerId);
        String path = "/api/v1/tasks/" + task.task().id() + "/attempts/" + task.attempt() + "/" + what;
        for (int tries = 0; ; tries++) {
            try {
                return call(path, withId, Duration.ofSeconds(30));
            } catch (Unavailable e) {
                if (tries == 5) {
                    throw new IOException(e.getMessage());
                }
                Thread.sleep(Math.min(5_000, 200L << tries));
            }
        }
    }

    private JsonNode call(String path, Object body, Duration timeout)
            throws Fenced, Unavailable, IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.resolve(path)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(mapper.writeValueAsBytes(body)));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new Unavailable(e.toString());
        }
        int status = response.statusCode();
        if (status == 409) {
            throw new Fenced(detail(response.body()));
        }
        if (status >= 500 || status == 429) {
            throw new Unavailable("HTTP " + status + ": " + detail(response.body()));
        }
        if (status >= 400) {
            throw new IOException("HTTP " + status + ": " + detail(response.body()));
        }
        return mapper.readTree(response.body());
    }

    private String detail(byte[] body) {
        try {
            return mapper.readTree(body).path("detail").toString();
        } catch (IOException e) {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Options of a {@link WorkerClient}; {@link #queues} is required. */
    public static final class Builder {
        private final URI server;
        private String key;
        private String workerId = Orchestrator.defaultNodeId();
        private List<String> queues = List.of();
        private Map<String, String> labels = Map.of();
        private int maxTasks = 1;
        private Duration wait = Duration.ofSeconds(20);
        private Duration grace = Duration.ofSeconds(30);
        private Duration backoffMax = Duration.ofSeconds(30);
        private Duration heartbeat;

        private Builder(URI server) {
            this.server = Objects.requireNonNull(server, "server");
        }

        /** An API key of role {@code worker}, for a server with keys. */
        public Builder key(String key) {
            this.key = key;
            return this;
        }

        /** Default {@code <hostname>-<pid>}. */
        public Builder workerId(String workerId) {
            this.workerId = WorkRequest.checkWorkerId(workerId);
            return this;
        }

        /** The queues to claim from, in order; they must be left to remote workers on the server. */
        public Builder queues(String... queues) {
            this.queues = List.of(queues);
            return this;
        }

        /** What this worker offers; it receives only tasks whose {@code requires} these contain. */
        public Builder labels(Map<String, String> labels) {
            this.labels = Labels.check("labels", labels);
            return this;
        }

        /** Tasks run at once, 1..100; default 1. */
        public Builder maxTasks(int maxTasks) {
            if (maxTasks < 1 || maxTasks > WorkRequest.MAX_TASKS) {
                throw new IllegalArgumentException("maxTasks must be 1.." + WorkRequest.MAX_TASKS + ", was " + maxTasks);
            }
            this.maxTasks = maxTasks;
            return this;
        }

        /** How long one claim waits for a task, 0..60 s; default 20 s. */
        public Builder waitTime(Duration wait) {
            this.wait = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /** How long {@link #close()} lets running tasks finish before it releases them; default 30 s. */
        public Builder grace(Duration grace) {
            this.grace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        /** The longest wait between tries while the server is down; default 30 s. */
        public Builder backoffMax(Duration backoffMax) {
            this.backoffMax = Objects.requireNonNull(backoffMax, "backoffMax");
            return this;
        }

        /** How often running tasks' leases are renewed; default a third of the lease the server gives. */
        public Builder heartbeat(Duration heartbeat) {
            this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
            return this;
        }

        public WorkerClient build() {
            if (queues.isEmpty()) {
                throw new IllegalStateException("queues are required: WorkerClient.builder(url).queues(\"gpu\")");
            }
            return new WorkerClient(this);
        }
    }

    private static Map<UUID, String> dependencyResults(JsonNode results) {
        Map<UUID, String> byId = new HashMap<>();
        results.fields().forEachRemaining(result -> byId.put(UUID.fromString(result.getKey()),
                result.getValue().isNull() ? null : result.getValue().asText()));
        return byId;
    }
}
