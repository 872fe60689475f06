package dev.venom.core.http.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.http.internal.auth.ApiKey;
import dev.venom.core.http.internal.auth.AuthHandler;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.xnio.IoUtils;

/**
 * {@code /api/v1/ws}: the live events of {@link EventStream} over a WebSocket, each a text frame with the
 * same JSON as the Server-Sent Events. A client subscribes with {@code {"subscribe": "all"}} or
 * {@code {"subscribe": ["<task id>", ...]}} (optionally {@code "last_event_id"} to resume); anything else
 * is answered with {@code {"error": "..."}}. On a server with API keys a socket opened without the
 * {@code Authorization} header (as browsers open them) first sends {@code {"authorization": "Bearer <key>"}}.
 */
public final class EventSocket {

    private static final String SUBSCRIPTION = "venom.subscription";
    private static final int MAX_MESSAGE = 64 * 1024;
    /** How long a socket opened without a key may take to send one. */
    static final int KEY_DEADLINE_SECONDS = 10;

    private EventSocket() {
    }

    /** A sink whose subscriber can be told to stop without closing the socket. */
    private interface Replaceable {
        void retire();
    }

    /** The WebSocket endpoint's handler; {@code notUpgrade} answers a request that is not a WebSocket handshake. */
    public static HttpHandler handler(EventStream events, ObjectMapper mapper, HttpHandler notUpgrade) {
        return Handlers.websocket((exchange, channel) -> {
            LiveStreams.Place place = exchange.getAttachment(LiveStreams.PLACE);
            if (place != null) {
                channel.addCloseTask(closed -> place.release());
                place.closeWith(() -> IoUtils.safeClose(channel));
            }
            AuthHandler.Deferred deferred = exchange.getAttachment(AuthHandler.DEFERRED);
            AtomicBoolean authenticated = new AtomicBoolean(deferred == null);
            if (deferred != null) {
                // a socket that shows no key holds a stream's place: not for long
                channel.getIoThread().executeAfter(() -> {
                    if (!authenticated.get()) {
                        refuse(mapper, channel, "Not authenticated: no key within " + KEY_DEADLINE_SECONDS + " s");
                    }
                }, KEY_DEADLINE_SECONDS, TimeUnit.SECONDS);
            }
            channel.getReceiveSetter().set(new AbstractReceiveListener() {
                @Override
                protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                    String text = message.getData(); // read once: reading empties the message
                    if (!authenticated.get()) {
                        if (!authenticate(deferred, place, mapper, ch, text)) {
                            return;
                        }
                        authenticated.set(true);
                        if (!text.contains("\"subscribe\"")) {
                            return; // the key alone; the subscription follows
                        }
                    }
                    subscribe(events, mapper, ch, text);
                }

                @Override
                protected long getMaxTextBufferSize() {
                    return MAX_MESSAGE;
                }
            });
            channel.resumeReceives();
        }, notUpgrade);
    }

    /**
     * Checks the key a socket opened without one sends in its first message,
     * {@code {"authorization": "Bearer <key>"}} (a subscription may ride along); closes it (1008) if there is no
     * such key, its role may not read, or the key holds as many streams as it may.
     */
    private static boolean authenticate(AuthHandler.Deferred deferred, LiveStreams.Place place, ObjectMapper mapper,
                                        WebSocketChannel channel, String text) {
        String authorization = null;
        try {
            JsonNode request = mapper.readTree(text);
            JsonNode field = request == null ? null : request.get("authorization");
            authorization = field == null || !field.isTextual() ? null : field.textValue();
        } catch (IOException e) {
            // not JSON: refused below
        }
        Optional<ApiKey> key = deferred.check(authorization);
        String refusal = key.isEmpty() ? "Not authenticated: send {\"authorization\": \"Bearer <key>\"} first"
                : place != null && !place.identify(key.get().name())
                ? "Too many live streams for key '" + key.get().name() + "'" : null;
        if (refusal != null) {
            refuse(mapper, channel, refusal);
            return false;
        }
        return true;
    }

    /** Tells the client why, closes (1008), and cuts the connection if the client does not close it. */
    private static void refuse(ObjectMapper mapper, WebSocketChannel channel, String why) {
        reply(channel, mapper, why);
        WebSockets.sendClose(CloseMessage.MSG_VIOLATES_POLICY, why, channel, null);
        channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel), 1, TimeUnit.SECONDS);
    }

    private static void subscribe(EventStream events, ObjectMapper mapper, WebSocketChannel channel, String text) {
        Predicate<EventStream.Event> filter;
        String lastEventId = null;
        try {
            JsonNode request = mapper.readTree(text);
            JsonNode subscribe = request == null ? null : request.get("subscribe");
            if (subscribe != null && subscribe.isTextual() && subscribe.textValue().equals("all")) {
                filter = event -> true;
            } else if (subscribe != null && subscribe.isArray() && !subscribe.isEmpty()) {
                Set<UUID> ids = new HashSet<>();
                for (JsonNode id : subscribe) {
                    ids.add(UUID.fromString(id.asText()));
                }
                filter = event -> ids.contains(event.taskId());
            } else {
                reply(channel, mapper, "send {\"subscribe\": \"all\"} or {\"subscribe\": [\"<task id>\", ...]}");
                return;
            }
            JsonNode last = request.get("last_event_id");
            if (last != null && !last.isNull()) {
                lastEventId = last.asText();
            }
        } catch (IOException | IllegalArgumentException e) {
            reply(channel, mapper, "not a subscription: " + e.getMessage());
            return;
        }
        // One subscription per socket: a new one replaces the last.
        EventStream.Sink previous = (EventStream.Sink) channel.getAttribute(SUBSCRIPTION);
        if (previous != null) {
            ((Replaceable) previous).retire();
        }
        EventStream.Sink sink = sink(channel);
        channel.setAttribute(SUBSCRIPTION, sink);
        events.subscribe(sink, filter, lastEventId, false);
    }

    private static void reply(WebSocketChannel channel, ObjectMapper mapper, String error) {
        String frame;
        try {
            frame = mapper.writeValueAsString(Map.of("error", error));
        } catch (JsonProcessingException e) {
            frame = "{\"error\":\"not a subscription\"}";
        }
        WebSockets.sendText(frame, channel, null);
    }

    private interface SocketSink extends EventStream.Sink, Replaceable {
    }

    private static EventStream.Sink sink(WebSocketChannel channel) {
        return new SocketSink() {
            private volatile boolean retired;
            private final java.util.List<Runnable> onRetire = new java.util.concurrent.CopyOnWriteArrayList<>();

            @Override
            public void retire() {
                retired = true;
                onRetire.forEach(Runnable::run);
            }

            @Override
            public void send(String type, String id, String data, Runnable written, Runnable failed) {
                if (retired) {
                    written.run();
                    return;
                }
                // Task events carry their type and id; a reset or an error gets them added, as SSE has fields.
                String frame = type.startsWith("task.") || !data.startsWith("{") ? data
                        : "{\"type\":\"" + type + "\"" + (id == null ? "" : ",\"id\":" + id)
                                + (data.length() > 2 ? "," + data.substring(1) : "}");
                WebSockets.sendText(frame, channel, new WebSocketCallback<Void>() {
                    @Override
                    public void complete(WebSocketChannel c, Void context) {
                        written.run();
                    }

                    @Override
                    public void onError(WebSocketChannel c, Void context, Throwable error) {
                        failed.run();
                    }
                });
            }

            @Override
            public void end(String reason) {
                WebSockets.sendClose(new CloseMessage(reason == null ? CloseMessage.NORMAL_CLOSURE
                        : CloseMessage.MSG_VIOLATES_POLICY, reason == null ? "" : reason), channel, null);
                if (reason != null) {
                    channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel),
                            EventStream.CUT_AFTER_SECONDS, TimeUnit.SECONDS);
                }
            }

            @Override
            public void onClose(Runnable task) {
                channel.addCloseTask(closed -> task.run());
                onRetire.add(task);
            }

            @Override
            public String describe() {
                return "/api/v1/ws " + channel.getPeerAddress();
            }
        };
    }
}
