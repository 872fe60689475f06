package dev.venom.core.http.internal;

import dev.venom.core.http.internal.ExceptionMapping.Action;
import io.undertow.io.Receiver;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a request's body whole without blocking, within the body limit (413 beyond it) and the memory budget
 * of bodies in flight (503 while it is spent), then hands it to the route on the IO thread.
 */
final class RequestBodies {

    private static final Logger log = LoggerFactory.getLogger(RequestBodies.class);

    /** What a route does with a body it has read. */
    @FunctionalInterface
    interface BodyHandler {
        void handle(HttpServerExchange exchange, byte[] body) throws Exception;
    }

    private final Responses responses;
    private final RouteHandlers handlers;
    private final MemoryGuard memory;
    private final long maxBodyBytes;

    RequestBodies(Responses responses, RouteHandlers handlers, MemoryGuard memory, long maxBodyBytes) {
        this.responses = responses;
        this.handlers = handlers;
        this.memory = memory;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Reads the body, then runs {@code then}; what it throws is answered as a failure of {@code action}. */
    void read(HttpServerExchange exchange, Action action, BodyHandler then) {
        long length = exchange.getRequestContentLength();
        if (length > maxBodyBytes) {
            exchange.setPersistent(false); // the unread body would otherwise be taken for the next request
            responses.detail(exchange, 413, tooLarge());
            return;
        }
        long reserved = length >= 0 ? length : maxBodyBytes;
        if (memory.problem().isPresent() || !memory.reserve(reserved)) {
            handlers.errors().lowOnMemory(exchange); // Undertow reads the unread body off after the answer
            return;
        }
        exchange.addExchangeCompleteListener((done, next) -> {
            memory.release(reserved);
            next.proceed();
        });
        exchange.getRequestReceiver().setMaxBufferSize((int) Math.min(Integer.MAX_VALUE, maxBodyBytes));
        exchange.getRequestReceiver().receiveFullBytes(
                (ex, body) -> handlers.run(ex, action, e -> then.handle(e, body)), (ex, error) -> {
                    if (error instanceof RequestTooBigException || error instanceof Receiver.RequestToLargeException) {
                        ex.setPersistent(false);
                        responses.detail(ex, 413, tooLarge());
                    } else {
                        log.debug("reading a request body failed: {}", error.toString());
                        responses.detail(ex, 400, "Request body could not be read");
                    }
                });
    }

    private String tooLarge() {
        return "Request body too large; the limit is " + maxBodyBytes + " bytes";
    }
}
