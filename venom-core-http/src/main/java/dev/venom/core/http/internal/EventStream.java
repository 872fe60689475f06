package dev.venom.core.http.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.engine.QueueEvent;
import dev.venom.core.engine.TaskEvent;
import dev.venom.core.engine.TaskListener;
import dev.venom.core.model.Progress;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.Timestamps;
import dev.venom.core.model.VenomTask;
import io.undertow.server.handlers.sse.ServerSentEventConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.XnioIoThread;

/**
 * Live task events for Server-Sent Events clients: each engine event gets an increasing id and a JSON body
 * ({@code {"id", "type", "task_id", "status", "log", "at"}}, type {@code task.created}, {@code task.status},
 * {@code task.log} or {@code task.progress}, which also carries {@code "progress": {"percent", "message"}}), is kept in a bounded replay window, and is sent to every subscriber whose filter takes
 * it. A subscriber that reconnects with {@code Last-Event-ID} inside the window resumes without a gap; an
 * older one first gets a {@code reset} event (re-read the state). A subscriber more than a bounded number of
 * events behind is disconnected with a reason, so a slow client never holds memory without bound.
 */
public final class EventStream implements TaskListener {

    private static final Logger log = LoggerFactory.getLogger(EventStream.class);

    /** Where a subscriber's events go: a Server-Sent Events connection or a WebSocket. */
    public interface Sink {
        /** Sends one event; calls {@code written} once it is on the wire, {@code failed} if it cannot be. */
        void send(String type, String id, String data, Runnable written, Runnable failed);

        /** Ends the stream once what was sent is written; {@code reason} says why, or is null. */
        void end(String reason);

        /** Runs {@code task} when the client goes away. */
        void onClose(Runnable task);

        /** For logs. */
        String describe();

        /** Tells the client its subscription is in place (SSE: a {@code retry} field; WebSocket: nothing). */
        default void ready() {
        }
    }

    /**
     * How long a client told why it is disconnected may take to read that before its connection is cut: a
     * client that stopped reading would otherwise hold the connection, and what is queued for it, for ever.
     */
    static final long CUT_AFTER_SECONDS = 2;
    private static final String RESET = "{\"detail\":\"events were missed; re-read the state\"}";

    /** A Server-Sent Events connection as a sink; {@code io} is its exchange's IO thread. */
    public static Sink sse(ServerSentEventConnection connection, XnioIoThread io) {
        return new Sink() {
            @Override
            public void send(String type, String id, String data, Runnable written, Runnable failed) {
                connection.send(data, type, id, new ServerSentEventConnection.EventCallback() {
                    @Override
                    public void done(ServerSentEventConnection c, String d, String e, String i) {
                        written.run();
                    }

                    @Override
                    public void failed(ServerSentEventConnection c, String d, String e, String i, IOException error) {
                        failed.run();
                    }
                });
            }

            @Override
            public void end(String reason) {
                if (reason != null) {
                    send("error", null, "{\"detail\":\"" + reason + "\"}", () -> { }, () -> { });
                    io.executeAfter(() -> IoUtils.safeClose(connection), CUT_AFTER_SECONDS, TimeUnit.SECONDS);
                }
                connection.shutdown();
            }

            @Override
            public void onClose(Runnable task) {
                connection.addCloseTask(closed -> task.run());
            }

            @Override
            public String describe() {
                return connection.getRequestURI();
            }

            @Override
            public void ready() {
                connection.sendRetry(1000);
            }
        };
    }

    /**
     * One event as clients see it. Its JSON is built when it is first sent, once for every client: an event
     * no client asks for (none subscribed, none resuming) costs no JSON at all.
     */
    public final class Event {
        private final long id;
        private final String type;
        private final UUID taskId;
        private final TaskStatus status;
        private final String log;
        private final Instant at;
        private final QueueEvent queueEvent;
        private final Progress progress;
        private volatile String data;

        Event(long id, String type, UUID taskId, TaskStatus status, String log, Instant at) {
            this(id, type, taskId, status, log, at, null);
        }

        /** With {@code progress}, for a {@code task.progress} event. */
        Event(long id, String type, UUID taskId, TaskStatus status, String log, Instant at, Progress progress) {
            this.progress = progress;
            this.id = id;
            this.type = type;
            this.taskId = taskId;
            this.status = status;
            this.log = log;
            this.at = at;
            this.queueEvent = null;
        }

        /** An operator's change to a queue: no task, no status. */
        Event(long id, QueueEvent queueEvent) {
            this.id = id;
            this.type = queueEvent.type().wireName();
            this.taskId = null;
            this.status = null;
            this.log = null;
            this.at = queueEvent.at();
            this.queueEvent = queueEvent;
            this.progress = null;
        }

        public long id() {
            return id;
        }

        public String type() {
            return type;
        }

        public UUID taskId() {
            return taskId;
        }

        public TaskStatus status() {
            return status;
        }

        boolean ends() {
            return type.equals("task.status") && status.isTerminal();
        }

        /**
         * {@code {"id", "type", "task_id", "status", "log", "at"}}; for a queue's event {@code {"id", "type",
         * "queue", "at"}}, with {@code "purged"} for a purge.
         */
        String data() {
            String json = data;
            if (json == null) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("id", id);
                body.put("type", type);
                if (queueEvent == null) {
                    body.put("task_id", taskId);
                    body.put("status", status);
                    body.put("log", log);
                    if (progress != null) {
                        body.put("progress", progress);
                    }
                } else {
                    body.put("queue", queueEvent.queue());
                    if (queueEvent.type() == QueueEvent.Type.PURGED) {
                        body.put("purged", queueEvent.count());
                    }
                }
                body.put("at", Timestamps.format(at));
                try {
                    json = mapper.writeValueAsString(body);
                } catch (JsonProcessingException e) {
                    throw new UncheckedIOException(e);
                }
                data = json;
            }
            return json;
        }
    }

    private final ObjectMapper mapper;
    private final int window;
    private final int maxBehind;
    private final ArrayDeque<Event> recent = new ArrayDeque<>();
    private final Set<Subscriber> subscribers = new CopyOnWriteArraySet<>();
    /**
     * A random tag of this run, in the high bits of every event id (ids stay below 2^53, exact in
     * JavaScript): an id from another server or an earlier run of this one carries another tag and gets a
     * reset, never a wrong replay.
     */
    private final long tag = 1 + ThreadLocalRandom.current().nextInt(8191);
    /** The last event id given. */
    private long lastId = tag << 40;
    /**
     * The version of recent tasks' last events, so that an older change heard later (another server's) is
     * not shown: a table indexed by a hash of the task id, each slot keeping the last task that hashed to
     * it. A slot taken over by another task forgets the first, which then is simply not checked.
     */
    private final long[] versionOwners;
    private final long[] versions;
    /** Events after this id may be missing (the engine dropped some): a resume from before it is reset. */
    private long gapAfter;

    /**
     * @param window    events kept for clients that reconnect
     * @param maxBehind events a client may have unsent before it is disconnected
     */
    public EventStream(ObjectMapper mapper, int window, int maxBehind) {
        this.mapper = mapper;
        this.window = window;
        this.maxBehind = maxBehind;
        int slots = Integer.highestOneBit(Math.max(1024, window) * 2 - 1);
        this.versionOwners = new long[slots];
        this.versions = new long[slots];
    }

    /** Clients of any server see every task's events, wherever it runs. */
    @Override
    public boolean wantsRemoteEvents() {
        return true;
    }

    /**
     * Only while a client is subscribed: other servers' events are not looked up for nobody. What is skipped
     * counts as lost, so a client that resumes from before it gets a reset.
     */
    @Override
    public boolean wantsRemoteEventsNow() {
        return !subscribers.isEmpty();
    }

    /**
     * Events were lost (the engine's listeners fell behind, or another server's could not be heard): every
     * client is told to re-read the state, and so is any that resumes from before. A one-task stream then
     * ends, as its terminal event may be among those lost: its client reconnects and is told the task's
     * state.
     */
    @Override
    public synchronized void onEventsDropped(long count) {
        gapAfter = lastId;
        long resetId = ++lastId; // a client resuming from the reset itself has missed nothing since
        for (Subscriber subscriber : subscribers) {
            subscriber.send("reset", Long.toString(resetId), RESET);
            if (subscriber.endsWith) {
                subscriber.end(null);
            }
        }
    }

    @Override
    public void onEvent(TaskEvent event) {
        String type = switch (event.type()) {
            case CREATED -> "task.created";
            case STATUS_CHANGED -> "task.status";
            case LOG_APPENDED -> "task.log";
            case PROGRESS -> "task.progress";
            default -> null; // retries and cancels arrive as their status change and log line
        };
        if (type == null) {
            return;
        }
        VenomTask task = event.task();
        synchronized (this) {
            int slot = (int) (task.id().getMostSignificantBits() ^ task.id().getMostSignificantBits() >>> 29)
                    & (versions.length - 1);
            long owner = task.id().getLeastSignificantBits();
            if (versionOwners[slot] == owner && task.version() < versions[slot]) {
                return; // another server's change told after a later one was shown
            }
            versionOwners[slot] = owner;
            versions[slot] = task.version();
            Event sent = new Event(++lastId, type, task.id(), task.status(), event.log(), event.at(),
                    event.type() == TaskEvent.Type.PROGRESS ? task.progress() : null);
            recent.addLast(sent);
            if (recent.size() > window) {
                recent.removeFirst();
            }
            for (Subscriber subscriber : subscribers) {
                subscriber.offer(sent);
            }
        }
    }

    /** An operator's change to a queue, sent to every client whose filter takes it. */
    @Override
    public synchronized void onQueueEvent(QueueEvent event) {
        Event sent = new Event(++lastId, event);
        recent.addLast(sent);
        if (recent.size() > window) {
            recent.removeFirst();
        }
        for (Subscriber subscriber : subscribers) {
            subscriber.offer(sent);
        }
    }

    /**
     * Sends {@code connection} the events {@code filter} takes from now on; first, if {@code lastEventId} is
     * given, those after it still in the window, or a {@code reset} event if it is older than the window.
     *
     * @param endsWith  true to close the stream after the first terminal status event it sends
     */
    public synchronized void subscribe(Sink connection, Predicate<Event> filter, String lastEventId,
                                       boolean endsWith) {
        Subscriber subscriber = new Subscriber(connection, filter, endsWith);
        connection.ready();
        if (lastEventId != null && !lastEventId.isBlank()) {
            long last = parse(lastEventId);
            long oldest = recent.isEmpty() ? lastId + 1 : recent.peekFirst().id();
            // A gap wider than a client may fall behind is not replayed: the client re-reads the state instead.
            if (last >>> 40 != tag || last < oldest - 1 || last > lastId || lastId - last > maxBehind
                    || gapAfter > 0 && last <= gapAfter) {
                subscriber.send("reset", Long.toString(lastId), RESET);
            } else {
                for (Event event : recent) {
                    if (event.id() > last && !subscriber.offer(event)) {
                        return;
                    }
                }
            }
        }
        if (!subscriber.ended) {
            subscribers.add(subscriber);
            connection.onClose(() -> subscribers.remove(subscriber));
        }
    }

    /** Sends one final event for a task that has already ended, then ends the stream. */
    public synchronized void sendFinal(Sink connection, VenomTask task) {
        Subscriber subscriber = new Subscriber(connection, event -> true, true);
        subscriber.offer(new Event(++lastId, "task.status", task.id(), task.status(), null,
                task.updatedAt()));
    }

    /** Ends every stream: the server is stopping, and clients should reconnect elsewhere. */
    public void close() {
        for (Subscriber subscriber : subscribers) {
            subscriber.end(null);
        }
    }

    private static long parse(String id) {
        try {
            return Long.parseLong(id.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** How many clients are subscribed. */
    public int subscribers() {
        return subscribers.size();
    }

    /** One client's stream. */
    private final class Subscriber {
        private final Sink connection;
        private final Predicate<Event> filter;
        private final boolean endsWith;
        private final AtomicInteger unsent = new AtomicInteger();
        private volatile boolean ended;

        Subscriber(Sink connection, Predicate<Event> filter, boolean endsWith) {
            this.connection = connection;
            this.filter = filter;
            this.endsWith = endsWith;
        }

        /** Sends {@code event} if the filter takes it; false once the stream has ended. */
        boolean offer(Event event) {
            if (ended) {
                return false;
            }
            if (!filter.test(event)) {
                return true;
            }
            if (unsent.get() >= maxBehind) {
                end("slow consumer: more than " + maxBehind + " events unsent; reconnect with Last-Event-ID");
                return false;
            }
            send(event.type(), Long.toString(event.id()), event.data());
            if (endsWith && event.ends()) {
                end(null);
                return false;
            }
            return true;
        }

        void send(String type, String id, String data) {
            unsent.incrementAndGet();
            connection.send(type, id, data, unsent::decrementAndGet, () -> end(null));
        }

        private void end(String reason) {
            if (ended) {
                return;
            }
            ended = true;
            subscribers.remove(this);
            if (reason != null) {
                log.info("event stream {} closed: {}", connection.describe(), reason);
            }
            connection.end(reason);
        }
    }

    /** The status filter of {@code GET /api/v1/events}; empty for all. */
    static Predicate<Event> statuses(Set<TaskStatus> statuses) {
        return statuses.isEmpty() ? event -> true
                : event -> event.status() != null && statuses.contains(event.status());
    }

}
