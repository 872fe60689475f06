package dev.venom.core.http.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.xnio.StreamConnection;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.StreamSinkConduit;

/**
 * The answer to a request Undertow refuses before any handler sees it, in the API's JSON. Its parser (a bad
 * percent escape such as {@code /a%zz}, a malformed request line or header) writes a fixed empty 400 straight
 * to the connection; its Host check (no {@code Host}, two, or one with bad characters) answers an empty 400
 * whose reason phrase says why, and closes. This conduit, under everything else Undertow writes, replaces
 * those answers with the same status carrying {@code {"detail": ...}}; after a Host refusal the connection
 * closes, and nothing more of it is written. Every other write passes through untouched.
 */
final class RefusedRequestAnswer extends AbstractStreamSinkConduit<StreamSinkConduit> {

    /** What Undertow's {@code HttpReadListener} writes when its parser throws (Undertow 2.3). */
    static final byte[] UNDERTOW_REFUSAL = ("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    static final String DETAIL = "Malformed HTTP request: the request line or a header could not be parsed"
            + " (for example a '%' not followed by two hex digits in the URL)";

    private static final byte[] ANSWER = answer(DETAIL);
    /** How the status line of Undertow's Host refusals begins. */
    private static final byte[] HOST_REFUSAL = "HTTP/1.1 400 ".getBytes(StandardCharsets.US_ASCII);

    private ByteBuffer pending;
    /** Set once a Host refusal was replaced: the rest of Undertow's empty answer is not written. */
    private boolean replaced;

    private RefusedRequestAnswer(StreamSinkConduit next) {
        super(next);
    }

    /** Puts the conduit under a fresh connection's sink, before Undertow wraps it. */
    static void install(StreamConnection connection) {
        connection.getSinkChannel().setConduit(new RefusedRequestAnswer(connection.getSinkChannel().getConduit()));
    }

    private static byte[] answer(String detail) {
        return RawAnswer.of("400 Bad Request", detail);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!drained()) {
            return 0;
        }
        if (replaced || isRefusal(src)) {
            int length = src.remaining();
            src.position(src.limit());
            if (!replaced) {
                pending = ByteBuffer.wrap(ANSWER);
                drained();
            }
            return length;
        }
        String hostRefusal = hostRefusal(src);
        if (hostRefusal != null) {
            return replace(new ByteBuffer[] {src}, 0, 1, hostRefusal);
        }
        return next.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (!drained()) {
            return 0;
        }
        String hostRefusal = replaced ? "" : first(srcs, offset, length);
        return hostRefusal != null ? replace(srcs, offset, length, hostRefusal) : next.write(srcs, offset, length);
    }

    @Override
    public int writeFinal(ByteBuffer src) throws IOException {
        return (int) writeFinal(new ByteBuffer[] {src}, 0, 1);
    }

    @Override
    public long writeFinal(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (!drained()) {
            return 0;
        }
        String hostRefusal = replaced ? "" : first(srcs, offset, length);
        if (hostRefusal != null) {
            long written = replace(srcs, offset, length, hostRefusal);
            if (pending == null) {
                next.terminateWrites(); // else flush() ends the answer first, and Undertow closes after
            }
            return written;
        }
        return next.writeFinal(srcs, offset, length);
    }

    /** The reason of a Host refusal in the first buffer with bytes; null if it is no such refusal. */
    private static String first(ByteBuffer[] srcs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return hostRefusal(srcs[i]);
            }
        }
        return null;
    }

    /** Consumes {@code srcs} and writes the JSON answer for {@code reason} instead (nothing after a first one). */
    private int replace(ByteBuffer[] srcs, int offset, int length, String reason) throws IOException {
        int consumed = 0;
        for (int i = offset; i < offset + length; i++) {
            consumed += srcs[i].remaining();
            srcs[i].position(srcs[i].limit());
        }
        if (!replaced) {
            replaced = true;
            pending = ByteBuffer.wrap(answer("Bad Host header: " + reason));
            drained();
        }
        return consumed;
    }

    /**
     * The reason phrase of Undertow's Host check answer ({@code No Host Header}, {@code Only One Host Header
     * Allowed}, {@code Host Header Bad Characters}, ...) if {@code src} begins one; else null.
     */
    private static String hostRefusal(ByteBuffer src) {
        if (src.remaining() < HOST_REFUSAL.length + 4) {
            return null;
        }
        for (int i = 0; i < HOST_REFUSAL.length; i++) {
            if (src.get(src.position() + i) != HOST_REFUSAL[i]) {
                return null;
            }
        }
        StringBuilder reason = new StringBuilder();
        for (int i = src.position() + HOST_REFUSAL.length; i < src.limit() && src.get(i) != '\r'; i++) {
            reason.append((char) src.get(i));
        }
        String phrase = reason.toString();
        return phrase.contains("Host Header") ? phrase : null;
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
