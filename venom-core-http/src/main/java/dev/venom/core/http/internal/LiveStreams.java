package dev.venom.core.http.internal;

import dev.venom.core.http.internal.auth.ApiKey;
import dev.venom.core.http.internal.auth.AuthHandler;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HttpString;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live event streams open on this server (Server-Sent Events and WebSockets), at most {@code max} in
 * total and {@code maxPerKey} for each API key: one more is answered 503 (the server's cap) or 429 (the
 * key's) with {@code Retry-After}, and everyone else's streams go on. The streams of a key that is revoked
 * are closed. Thread-safe.
 */
public final class LiveStreams {

    /** A stream's place, held until it ends; how to close it once the stream is open. */
    public static final class Place {
        private final LiveStreams streams;
        private volatile String key;
        private final AtomicBoolean held = new AtomicBoolean(true);
        private volatile Runnable closer = () -> { };

        private Place(LiveStreams streams, String key) {
            this.streams = streams;
            this.key = key;
        }

        /** How to close the stream, for a revoked key. */
        public void closeWith(Runnable closer) {
            this.closer = closer;
            if (!held.get()) {
                closer.run();
            }
        }

        /**
         * Counts the stream, taken without a key, as {@code name}'s once it has shown one (a WebSocket's first
         * message); false if that key holds as many streams as it may.
         */
        public boolean identify(String name) {
            return streams.identify(this, name);
        }

        /** The stream ended: its place is free. Idempotent. */
        public void release() {
            if (held.compareAndSet(true, false)) {
                streams.released(this);
            }
        }
    }

    /** The place of the stream a request opens. */
    public static final AttachmentKey<Place> PLACE = AttachmentKey.create(Place.class);
    private static final HttpString RETRY_AFTER = new HttpString("Retry-After");

    private final int max;
    private final int maxPerKey;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, AtomicInteger> perKey = new ConcurrentHashMap<>();
    private final Set<Place> places = ConcurrentHashMap.newKeySet();

    public LiveStreams(int max, int maxPerKey) {
        if (max < 1 || maxPerKey < 1) {
            throw new IllegalArgumentException("stream caps must be >= 1, were " + max + " and " + maxPerKey);
        }
        this.max = max;
        this.maxPerKey = maxPerKey;
    }

    /** Streams open now. */
    public int open() {
        return open.get();
    }

    /** A place for a stream of {@code key} (null without keys); empty, with the reason, over a cap. */
    synchronized Optional<Place> take(String key) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            return Optional.empty();
        }
        if (key != null && perKey.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() > maxPerKey) {
            perKey.get(key).decrementAndGet();
            open.decrementAndGet();
            return Optional.empty();
        }
        Place place = new Place(this, key);
        places.add(place);
        return Optional.of(place);
    }

    private synchronized boolean identify(Place place, String name) {
        if (place.key != null) {
            return place.key.equals(name);
        }
        if (perKey.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet() > maxPerKey) {
            perKey.get(name).decrementAndGet();
            return false;
        }
        place.key = name;
        return true;
    }

    private synchronized void released(Place place) {
        places.remove(place);
        open.decrementAndGet();
        if (place.key != null) {
            perKey.get(place.key).decrementAndGet();
        }
    }

    /** Closes every stream of the keys {@code revoked}. */
    public void closeStreamsOf(Set<String> revoked) {
        for (Place place : places) {
            if (place.key != null && revoked.contains(place.key)) {
                place.closer.run();
                place.release();
            }
        }
    }

    /**
     * Wraps a stream route: takes a place for its stream (answered 503 or 429 over a cap), attaches it to
     * the exchange for the route to say how to close it, and frees it when the exchange ends unless the
     * route has handed it to a WebSocket, which frees it when it closes.
     */
    public HttpHandler gate(Responses responses, HttpHandler route) {
        return exchange -> {
            ApiKey key = exchange.getAttachment(AuthHandler.KEY);
            String name = key == null ? null : key.name();
            Optional<Place> place = take(name);
            if (place.isEmpty()) {
                exchange.getResponseHeaders().put(RETRY_AFTER, "5");
                boolean keysCap = name != null && open.get() < max;
                responses.detail(exchange, keysCap ? 429 : 503, keysCap
                        ? "Too many live streams for key '" + name + "': at most " + maxPerKey + "; retry later"
                        : "Too many live streams on this server: at most " + max + "; retry later");
                return;
            }
            exchange.putAttachment(PLACE, place.get());
            exchange.addExchangeCompleteListener((done, next) -> {
                if (!isWebSocket(done)) {
                    place.get().release();
                }
                next.proceed();
            });
            route.handleRequest(exchange);
        };
    }

    private static boolean isWebSocket(HttpServerExchange exchange) {
        return exchange.getStatusCode() == 101;
    }
}
