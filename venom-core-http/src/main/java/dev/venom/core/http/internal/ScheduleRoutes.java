package dev.venom.core.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.engine.NoSuchScheduleException;
import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.Schedule;
import dev.venom.core.engine.Schedules;
import dev.venom.core.http.internal.ExceptionMapping.Action;
import dev.venom.core.http.internal.audit.AuditHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.PathTemplateMatch;
import io.undertow.util.SameThreadExecutor;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The recurring schedules' routes: create (admin), list and read (read), delete, pause and resume (admin).
 * Each answer shows the schedule's next times and its last run.
 */
final class ScheduleRoutes {

    private final Schedules schedules;
    private final Clock clock;
    private final RequestParsing parsing;
    private final RequestBodies bodies;
    private final Responses responses;
    private final RouteHandlers handlers;

    ScheduleRoutes(Orchestrator orchestrator, RequestParsing parsing, RequestBodies bodies, Responses responses,
                   RouteHandlers handlers) {
        this.schedules = orchestrator.schedules();
        this.clock = schedules.clock();
        this.parsing = parsing;
        this.bodies = bodies;
        this.responses = responses;
        this.handlers = handlers;
    }

    void register(Routes routes) {
        routes.post("/api/v1/schedules", handlers.io(Action.SCHEDULE, this::create))
                .get("/api/v1/schedules", handlers.worker(Action.READ, this::list))
                .get("/api/v1/schedules/{name}", handlers.worker(Action.READ, this::get))
                .delete("/api/v1/schedules/{name}", handlers.worker(Action.SCHEDULE, this::delete))
                .post("/api/v1/schedules/{name}/pause", handlers.worker(Action.SCHEDULE, ex -> pause(ex, true)))
                .post("/api/v1/schedules/{name}/resume", handlers.worker(Action.SCHEDULE, ex -> pause(ex, false)));
    }

    private void create(HttpServerExchange exchange) {
        bodies.read(exchange, Action.SCHEDULE, (ex, body) -> {
            RequestParsing.Parsed<JsonNode> root = parsing.jsonObject(body);
            if (!root.isValid()) {
                throw new InvalidRequestException(root.errors());
            }
            Schedule schedule = ScheduleRequests.schedule(root.value(), clock.instant());
            ex.putAttachment(AuditHandler.TARGET, schedule.name());
            CompletableFuture<Schedule> created = CompletableFuture.supplyAsync(
                    () -> schedules.create(schedule).join(), ex.getConnection().getWorker());
            ex.dispatch(SameThreadExecutor.INSTANCE, () -> created.whenComplete((stored, error) ->
                    ex.getIoThread().execute(() -> handlers.run(ex, Action.SCHEDULE, e -> {
                        if (error != null) {
                            throw error instanceof Exception failure ? failure : new RuntimeException(error);
                        }
                        responses.json(e, 201, ScheduleRequests.answer(stored, clock.instant()));
                    }))));
        });
    }

    private void list(HttpServerExchange exchange) {
        List<Map<String, Object>> all = schedules.list().stream()
                .map(schedule -> ScheduleRequests.answer(schedule, clock.instant())).toList();
        responses.json(exchange, 200, all);
    }

    private void get(HttpServerExchange exchange) {
        String name = name(exchange);
        responses.json(exchange, 200, ScheduleRequests.answer(schedules.find(name)
                .orElseThrow(() -> new NoSuchScheduleException(name)), clock.instant()));
    }

    private void delete(HttpServerExchange exchange) {
        String name = name(exchange);
        if (!schedules.delete(name).join()) {
            throw new NoSuchScheduleException(name);
        }
        exchange.setStatusCode(204);
        exchange.endExchange();
    }

    private void pause(HttpServerExchange exchange, boolean paused) {
        responses.json(exchange, 200, ScheduleRequests.answer(schedules.pause(name(exchange), paused).join(),
                clock.instant()));
    }

    /** The route's {@code {name}}; one that no schedule could have is answered 404. */
    private static String name(HttpServerExchange exchange) {
        String name = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get("name");
        try {
            return Schedule.checkName(name);
        } catch (IllegalArgumentException e) {
            throw new NoSuchScheduleException(name);
        }
    }
}
