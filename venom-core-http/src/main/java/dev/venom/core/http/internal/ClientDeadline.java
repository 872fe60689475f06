package dev.venom.core.http.internal;

import java.time.Duration;

/**
 * How long one HTTP/1.1 connection may wait for its client. Once the client has begun a request (bytes arrived
 * since the server last wrote), the rest of it, head and body, must arrive within the request timeout; a
 * connection on which nothing moves either way is closed after the idle timeout. Both apply only while the
 * server is waiting to read: a request it has received whole and is still answering is never cut. Undertow's
 * own timeouts cover the head and the wait between requests; this also covers a body sent slowly or never,
 * which otherwise holds the connection for good, for example when Undertow refuses a request without
 * {@code Host} and waits for its body's end before answering. Upgraded connections (WebSocket) and HTTP/2
 * are exempt: their idleness is theirs to decide.
 */
final class ClientDeadline {

    /** What the connection is doing, as its bytes show. */
    enum Phase {
        /** The server wrote last (or nothing moved yet): waiting for a next request is the idle timeout's. */
        IDLE,
        /** Bytes of a request arrived since the server last wrote: the rest is due within the request timeout. */
        RECEIVING,
        /** Upgraded or HTTP/2: no deadline of ours. */
        EXEMPT
    }

    /** What to do with the connection now. */
    enum Verdict { WAIT, REQUEST_TOO_SLOW, IDLE_TOO_LONG }

    private final long requestNanos;
    private final long idleNanos;
    private Phase phase = Phase.IDLE;
    private long receivingSince;
    private long lastMoved;

    ClientDeadline(Duration requestTimeout, Duration idleTimeout, long nowNanos) {
        this.requestNanos = requestTimeout.toNanos();
        this.idleNanos = idleTimeout.toNanos();
        this.lastMoved = nowNanos;
    }

    /** Bytes arrived from the client. */
    synchronized void received(long nowNanos) {
        if (phase == Phase.IDLE) {
            phase = Phase.RECEIVING;
            receivingSince = nowNanos;
        }
        lastMoved = nowNanos;
    }

    /** Bytes went to the client: whatever it sent so far is being answered. */
    synchronized void sent(long nowNanos) {
        if (phase == Phase.RECEIVING) {
            phase = Phase.IDLE;
        }
        lastMoved = nowNanos;
    }

    /** The connection left plain HTTP/1.1 (a WebSocket upgrade, HTTP/2). */
    synchronized void exempt() {
        phase = Phase.EXEMPT;
    }

    synchronized Phase phase() {
        return phase;
    }

    /** The verdict at {@code nowNanos}, given whether the server is waiting to read from the client. */
    synchronized Verdict verdict(long nowNanos, boolean waitingToRead) {
        if (phase == Phase.EXEMPT || !waitingToRead) {
            return Verdict.WAIT;
        }
        if (phase == Phase.RECEIVING && nowNanos - receivingSince > requestNanos) {
            return Verdict.REQUEST_TOO_SLOW;
        }
        return nowNanos - lastMoved > idleNanos ? Verdict.IDLE_TOO_LONG : Verdict.WAIT;
    }
}
