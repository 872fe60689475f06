package dev.venom.core.http.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.StreamSinkConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Keeps a connection to its {@link ClientDeadline}: a conduit under each side notes the bytes that move, and a
 * timer on the connection's I/O thread applies the verdict. A request that is too slow gets a JSON 408 and the
 * connection closes; an idle one just closes.
 */
final class ClientDeadlines {

    private static final byte[] UPGRADE = "HTTP/1.1 101 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP2_PREFACE = "PRI * HTTP/2.0".getBytes(StandardCharsets.US_ASCII);

    private final StreamConnection connection;
    private final ClientDeadline deadline;
    private final long checkEveryMillis;
    private final byte[] tooSlow;
    private final Source source;
    private final Sink sink;
    private volatile XnioExecutor.Key next;

    private ClientDeadlines(StreamConnection connection, Duration requestTimeout, Duration idleTimeout) {
        this.connection = connection;
        this.deadline = new ClientDeadline(requestTimeout, idleTimeout, System.nanoTime());
        this.checkEveryMillis = Math.max(10, Math.min(1_000, Math.min(requestTimeout.toMillis(), idleTimeout.toMillis()) / 4));
        this.tooSlow = RawAnswer.of("408 Request Timeout", "Request not received in time: its head and body"
                + " must arrive within " + requestTimeout.toMillis() + " ms");
        this.source = new Source(connection.getSourceChannel().getConduit());
        this.sink = new Sink(connection.getSinkChannel().getConduit());
    }

    /**
     * Puts the deadline's conduits under a fresh connection's, before Undertow wraps them, and starts its timer.
     * The returned value stops the timer; call it when the connection closes.
     */
    static ClientDeadlines install(StreamConnection connection, Duration requestTimeout, Duration idleTimeout) {
        ClientDeadlines deadlines = new ClientDeadlines(connection, requestTimeout, idleTimeout);
        connection.getSourceChannel().setConduit(deadlines.source);
        connection.getSinkChannel().setConduit(deadlines.sink);
        deadlines.schedule();
        return deadlines;
    }

    /** Stops the timer. */
    void stop() {
        XnioExecutor.Key key = next;
        if (key != null) {
            key.remove();
        }
        deadline.exempt();
    }

    private void schedule() {
        next = connection.getIoThread().executeAfter(this::check, checkEveryMillis, TimeUnit.MILLISECONDS);
    }

    private void check() {
        if (!connection.isOpen() || deadline.phase() == ClientDeadline.Phase.EXEMPT) {
            return;
        }
        switch (deadline.verdict(System.nanoTime(), source.waitingToRead())) {
            case WAIT -> schedule();
            case REQUEST_TOO_SLOW -> sink.answerAndClose(tooSlow);
            case IDLE_TOO_LONG -> IoUtils.safeClose(connection);
            default -> throw new IllegalStateException();
        }
    }

    private static boolean startsWith(ByteBuffer buffer, byte[] prefix) {
        if (buffer.remaining() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buffer.get(buffer.position() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Notes every byte read; the first ones tell HTTP/2's preface. */
    private final class Source extends AbstractStreamSourceConduit<StreamSourceConduit> {

        private boolean first = true;
        private volatile int awaiting;

        Source(StreamSourceConduit next) {
            super(next);
        }

        boolean waitingToRead() {
            return awaiting > 0 || next.isReadResumed();
        }

        private long noted(ByteBuffer into, int from, long read) {
            if (read > 0) {
                if (first) {
                    first = false;
                    ByteBuffer arrived = into.duplicate();
                    arrived.limit(into.position()).position(from);
                    if (startsWith(arrived, HTTP2_PREFACE)) {
                        deadline.exempt();
                    }
                }
                deadline.received(System.nanoTime());
            }
            return read;
        }

        private long noted(long read) {
            if (read > 0) {
                first = false;
                deadline.received(System.nanoTime());
            }
            return read;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            int from = dst.position();
            return (int) noted(dst, from, next.read(dst));
        }

        @Override
        public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
            return noted(next.read(dsts, offs, len));
        }

        @Override
        public long transferTo(long position, long count, FileChannel target) throws IOException {
            return noted(next.transferTo(position, count, target));
        }

        @Override
        public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
            return noted(next.transferTo(count, throughBuffer, target));
        }

        @Override
        public void awaitReadable() throws IOException {
            awaiting++;
            try {
                next.awaitReadable();
            } finally {
                awaiting--;
            }
        }

        @Override
        public void awaitReadable(long time, TimeUnit timeUnit) throws IOException {
            awaiting++;
            try {
                next.awaitReadable(time, timeUnit);
            } finally {
                awaiting--;
            }
        }
    }

    /** Notes every byte written; a 101 answer exempts the connection. */
    private final class Sink extends AbstractStreamSinkConduit<StreamSinkConduit> {

        Sink(StreamSinkConduit next) {
            super(next);
        }

        private void upgradeSeen(ByteBuffer[] srcs, int offs, int len) {
            if (deadline.phase() != ClientDeadline.Phase.RECEIVING) {
                return; // an answer begins only after a request arrived
            }
            for (int i = offs; i < offs + len; i++) {
                if (srcs[i].hasRemaining()) {
                    if (startsWith(srcs[i], UPGRADE)) {
                        deadline.exempt();
                    }
                    return;
                }
            }
        }

        private long noted(long written) {
            if (written > 0) {
                deadline.sent(System.nanoTime());
            }
            return written;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            upgradeSeen(new ByteBuffer[] {src}, 0, 1);
            return (int) noted(next.write(src));
        }

        @Override
        public long write(ByteBuffer[] srcs, int offs, int len) throws IOException {
            upgradeSeen(srcs, offs, len);
            return noted(next.write(srcs, offs, len));
        }

        @Override
        public int writeFinal(ByteBuffer src) throws IOException {
            upgradeSeen(new ByteBuffer[] {src}, 0, 1);
            return (int) noted(next.writeFinal(src));
        }

        @Override
        public long writeFinal(ByteBuffer[] srcs, int offs, int len) throws IOException {
            upgradeSeen(srcs, offs, len);
            return noted(next.writeFinal(srcs, offs, len));
        }

        @Override
        public long transferFrom(FileChannel src, long position, long count) throws IOException {
            return noted(next.transferFrom(src, position, count));
        }

        @Override
        public long transferFrom(StreamSourceChannel source, long count, ByteBuffer throughBuffer)
                throws IOException {
            return noted(next.transferFrom(source, count, throughBuffer));
        }

        /** Writes {@code answer} (small enough for any socket buffer) past everything above, then closes. */
        void answerAndClose(byte[] answer) {
            try {
                next.write(ByteBuffer.wrap(answer));
                next.flush();
            } catch (IOException e) {
                // the client is gone: nothing to tell it
            } finally {
                IoUtils.safeClose(connection);
            }
        }
    }
}
