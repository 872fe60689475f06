package dev.venom.core.http.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.xnio.StreamConnection;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.StreamSinkConduit;

/**
 * The answer to a request Undertow's parser refuses before any handler sees it (a bad percent escape such as
 * {@code /a%zz}, a malformed request line or header): Undertow writes a fixed empty 400 straight to the
 * connection; this conduit, under everything else Undertow writes, replaces exactly those bytes with the same 400
 * carrying the API's {@code {"detail": ...}}. Every other write passes through untouched.
 */
final class RefusedRequestAnswer extends AbstractStreamSinkConduit<StreamSinkConduit> {

    /** What Undertow's {@code HttpReadListener} writes when its parser throws (Undertow 2.3). */
    static final byte[] UNDERTOW_REFUSAL = ("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    static final String DETAIL = "Malformed HTTP request: the request line or a header could not be parsed"
            + " (for example a '%' not followed by two hex digits in the URL)";

    private static final byte[] ANSWER = answer();

    private ByteBuffer pending;

    private RefusedRequestAnswer(StreamSinkConduit next) {
        super(next);
    }

    /** Puts the conduit under a fresh connection's sink, before Undertow wraps it. */
    static void install(StreamConnection connection) {
        connection.getSinkChannel().setConduit(new RefusedRequestAnswer(connection.getSinkChannel().getConduit()));
    }

    private static byte[] answer() {
        byte[] body = ("{\"detail\":\"" + DETAIL + "\"}").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        ByteBuffer all = ByteBuffer.allocate(head.length() + body.length);
        all.put(head.getBytes(StandardCharsets.US_ASCII)).put(body);
        return all.array();
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!drained()) {
            return 0;
        }
        if (isRefusal(src)) {
            int length = src.remaining();
            src.position(src.limit());
            pending = ByteBuffer.wrap(ANSWER);
            drained();
            return length;
        }
        return next.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return drained() ? next.write(srcs, offset, length) : 0;
    }

    @Override
    public int writeFinal(ByteBuffer src) throws IOException {
        return drained() ? next.writeFinal(src) : 0;
    }

    @Override
    public long writeFinal(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return drained() ? next.writeFinal(srcs, offset, length) : 0;
    }

    @Override
    public boolean flush() throws IOException {
        return drained() && next.flush();
    }

    /** Writes what is left of the substituted answer; true once none is. */
    private boolean drained() throws IOException {
        if (pending == null) {
            return true;
        }
        next.write(pending);
        if (pending.hasRemaining()) {
            return false;
        }
        pending = null;
        return true;
    }

    private static boolean isRefusal(ByteBuffer src) {
        return src.remaining() == UNDERTOW_REFUSAL.length
                && src.equals(ByteBuffer.wrap(UNDERTOW_REFUSAL));
    }
}
