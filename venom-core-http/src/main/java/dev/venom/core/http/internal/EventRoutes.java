package dev.venom.core.http.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.engine.Orchestrator;
import dev.venom.core.http.internal.ExceptionMapping.Action;
import dev.venom.core.model.VenomTask;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.sse.ServerSentEventConnection;
import io.undertow.server.handlers.sse.ServerSentEventHandler;
import io.undertow.util.HttpString;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.xnio.IoUtils;

/** The live event routes: Server-Sent Events of one task or of all, and the WebSocket. */
final class EventRoutes {

    private static final HttpString LAST_EVENT_ID = new HttpString("Last-Event-ID");
    /** An idle event stream gets a comment this often, so a client that went away is noticed. */
    private static final long KEEP_ALIVE_MS = 15_000;
    /** How long a task stream waits for a task's own events before it tells a state reached meanwhile. */
    private static final long FINAL_STATE_GRACE_MS = 250;

    private final Orchestrator orchestrator;
    private final EventStream events;
    private final ObjectMapper mapper;
    private final Responses responses;
    private final RouteHandlers handlers;
    private final LiveStreams streams;

    EventRoutes(Orchestrator orchestrator, EventStream events, ObjectMapper mapper, Responses responses,
                RouteHandlers handlers, LiveStreams streams) {
        this.streams = streams;
        this.orchestrator = orchestrator;
        this.events = events;
        this.mapper = mapper;
        this.responses = responses;
        this.handlers = handlers;
    }

    void register(Routes routes) {
        routes.get("/api/v1/tasks/{task_id}/events",
                streams.gate(responses, handlers.worker(Action.READ, this::taskEvents)));
        routes.get("/api/v1/events", streams.gate(responses, handlers.worker(Action.READ, this::allEvents)));
        routes.get("/api/v1/ws", streams.gate(responses, EventSocket.handler(events, mapper,
                exchange -> responses.detail(exchange, 400, "Expected a WebSocket handshake"))));
    }

    /** The stream closes when its key is revoked. */
    private static void closable(HttpServerExchange exchange, ServerSentEventConnection connection) {
        LiveStreams.Place place = exchange.getAttachment(LiveStreams.PLACE);
        if (place != null) {
            place.closeWith(() -> IoUtils.safeClose(connection));
        }
    }

    /**
     * Server-Sent Events of one task until its terminal status; a task that has already ended yields its
     * final state and the stream ends.
     */
    private void taskEvents(HttpServerExchange exchange) throws Exception {
        UUID id = RequestParsing.taskId(exchange);
        VenomTask found = orchestrator.find(id).orElseThrow(() -> new TaskNotFoundException(id));
        String lastEventId = exchange.getRequestHeaders().getFirst(LAST_EVENT_ID);
        new ServerSentEventHandler((connection, last) -> {
            connection.setKeepAliveTime(KEEP_ALIVE_MS);
            closable(exchange, connection);
            if (found.status().isTerminal() && lastEventId == null) {
                events.sendFinal(EventStream.sse(connection, exchange.getIoThread()), found);
                return;
            }
            EventStream.Sink sink = EventStream.sse(connection, exchange.getIoThread());
            AtomicBoolean ended = new AtomicBoolean();
            sink.onClose(() -> ended.set(true));
            events.subscribe(sink, event -> id.equals(event.taskId()), last, true);
            // It may have ended between the read above and the subscription: then say so (off the IO thread),
            // unless its own events ended the stream meanwhile. Events reach streams within milliseconds of
            // the change; a final state sent before them would cut them off.
            CompletableFuture.runAsync(() -> {
                if (!ended.get()) {
                    orchestrator.find(id)
                            .filter(task -> task.status().isTerminal())
                            .ifPresent(task -> events.sendFinal(sink, task));
                }
            }, CompletableFuture.delayedExecutor(FINAL_STATE_GRACE_MS, TimeUnit.MILLISECONDS));
        }).handleRequest(exchange);
    }

    /** Server-Sent Events of every task, optionally only those in {@code status}. */
    private void allEvents(HttpServerExchange exchange) throws Exception {
        RequestParsing.Parsed<RequestParsing.ListQuery> query = RequestParsing.listQuery(exchange.getQueryParameters());
        if (!query.isValid()) {
            throw new InvalidRequestException(query.errors());
        }
        new ServerSentEventHandler((connection, last) -> {
            connection.setKeepAliveTime(KEEP_ALIVE_MS);
            closable(exchange, connection);
            events.subscribe(EventStream.sse(connection, exchange.getIoThread()),
                    EventStream.statuses(query.value().statuses()), last, false);
        }).handleRequest(exchange);
    }
}
