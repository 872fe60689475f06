package dev.venom.core.http.internal;

import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 answer written straight to a connection, under Undertow, when no exchange exists to answer
 * through (a connection over the cap, a request too slow, a request Undertow's parser refused): the API's
 * JSON {@code {"detail": ...}}, and the connection closes after it.
 */
final class RawAnswer {

    private RawAnswer() {
    }

    /** The bytes of the answer; {@code status} as in a status line ({@code "503 Service Unavailable"}). */
    static byte[] of(String status, String detail, String... extraHeaders) {
        String body = "{\"detail\":\"" + detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status)
                .append("\r\nContent-Type: application/json\r\n");
        for (String header : extraHeaders) {
            head.append(header).append("\r\n");
        }
        head.append("Connection: close\r\nContent-Length: ").append(bodyBytes.length).append("\r\n\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[headBytes.length + bodyBytes.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(bodyBytes, 0, all, headBytes.length, bodyBytes.length);
        return all;
    }
}
