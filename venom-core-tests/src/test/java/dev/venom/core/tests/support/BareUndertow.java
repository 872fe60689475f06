package dev.venom.core.tests.support;

import io.undertow.Undertow;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The benchmark baseline: a bare Undertow POST handler that reads the body on the IO thread and answers
 * 201 with a task-shaped JSON, no validation, no store. Run as a child process like the real server.
 */
public final class BareUndertow {

    private BareUndertow() {
    }

    public static void main(String[] args) {
        Undertow server = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setHandler(exchange -> exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
                    byte[] answer = ("{\"task_id\":\"" + UUID.randomUUID() + "\",\"status\":\"PENDING\"}")
                            .getBytes(StandardCharsets.UTF_8);
                    ex.setStatusCode(201);
                    ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                    ex.getResponseSender().send(ByteBuffer.wrap(answer));
                }))
                .build();
        server.start();
        InetSocketAddress at = (InetSocketAddress) server.getListenerInfo().get(0).getAddress();
        System.out.println("bare Undertow listening on http://127.0.0.1:" + at.getPort());
    }
}
