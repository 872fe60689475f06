package dev.venom.core.http.internal;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.concurrent.Executor;

/**
 * Where a route's handler runs (the IO thread, a worker, the operators' threads), with whatever it throws
 * answered by the {@link ExceptionMapping}. Nothing that may block runs on an IO thread.
 */
public final class RouteHandlers {

    /** A route's handler; what it throws is answered by the mapping. */
    @FunctionalInterface
    public interface Handler {
        void handle(HttpServerExchange exchange) throws Exception;
    }

    private final ExceptionMapping errors;
    private final Executor ops;

    /** @param ops runs the operators' endpoints, so that they answer while every worker thread is busy */
    public RouteHandlers(ExceptionMapping errors, Executor ops) {
        this.errors = errors;
        this.ops = ops;
    }

    /** On the IO thread: only for work that cannot block. */
    public HttpHandler io(ExceptionMapping.Action action, Handler handler) {
        return exchange -> run(exchange, action, handler);
    }

    /** On a worker thread. */
    public HttpHandler worker(ExceptionMapping.Action action, Handler handler) {
        return exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(() -> run(exchange, action, handler));
            } else {
                run(exchange, action, handler);
            }
        };
    }

    /** On the operators' own threads: readiness, stats and metrics answer while the workers are all busy. */
    public HttpHandler ops(Handler handler) {
        return exchange -> exchange.dispatch(ops, () -> run(exchange, ExceptionMapping.Action.READ, handler));
    }

    /** Runs {@code handler} now, on this thread. */
    public void run(HttpServerExchange exchange, ExceptionMapping.Action action, Handler handler) {
        try {
            handler.handle(exchange);
        } catch (Throwable t) {
            errors.answer(exchange, action, t);
        }
    }

    /** The operators' threads, for work that follows an operator's request and may block. */
    public Executor opsExecutor() {
        return ops;
    }

    /** The mapping failures are answered with. */
    public ExceptionMapping errors() {
        return errors;
    }
}
