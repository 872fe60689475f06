package dev.venom.core.http;

import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.QueueEvent;
import dev.venom.core.engine.TaskEvent;
import dev.venom.core.engine.TaskListener;
import dev.venom.core.http.internal.ApiJson;
import dev.venom.core.http.internal.EventStream;

/**
 * The live event streams a server offers ({@code /api/v1/events}, {@code /api/v1/tasks/{id}/events}, the
 * WebSocket): give it to {@link Orchestrator.Builder#listener} and to {@link VenomServer.Builder#events}.
 * Keeps the latest events for clients that reconnect with {@code Last-Event-ID}. {@link #close()} ends
 * every stream. Thread-safe.
 */
public final class LiveEvents implements TaskListener, AutoCloseable {

    /** How far a client may fall behind before it is cut off and must reconnect. */
    private static final int MAX_BEHIND = 1_000;

    private final EventStream stream;

    private LiveEvents(EventStream stream) {
        this.stream = stream;
    }

    /** Streams that keep the latest {@code window} events for reconnecting clients, 1..1,000,000. */
    public static LiveEvents create(int window) {
        if (window < 1 || window > 1_000_000) {
            throw new IllegalArgumentException("window must be 1..1000000, was " + window);
        }
        return new LiveEvents(new EventStream(ApiJson.mapper(), window, MAX_BEHIND));
    }

    @Override
    public void onEvent(TaskEvent event) {
        stream.onEvent(event);
    }

    @Override
    public void onQueueEvent(QueueEvent event) {
        stream.onQueueEvent(event);
    }

    @Override
    public void onEventsDropped(long count) {
        stream.onEventsDropped(count);
    }

    @Override
    public boolean wantsRemoteEvents() {
        return stream.wantsRemoteEvents();
    }

    @Override
    public boolean wantsRemoteEventsNow() {
        return stream.wantsRemoteEventsNow();
    }

    /** Ends every stream, so that a graceful stop does not wait on them. */
    @Override
    public void close() {
        stream.close();
    }

    EventStream stream() {
        return stream;
    }
}
