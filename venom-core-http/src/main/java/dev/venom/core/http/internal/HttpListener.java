package dev.venom.core.http.internal;

import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.OpenListener;
import io.undertow.server.protocol.http.AlpnOpenListener;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.server.protocol.http2.Http2OpenListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * The HTTP/1.1 listener, opened as {@code Undertow.start()} opens one (same threads, buffers and options), with
 * two differences: every accepted connection answers a request Undertow's parser refuses (a bad percent escape,
 * a malformed request line) with the API's JSON 400 instead of an empty one ({@link RefusedRequestAnswer}); and
 * a connection beyond {@code maxConnections} open ones is answered 503 with {@code Retry-After} and closed, so
 * that a flood of idle or half-sent connections cannot take every file descriptor; and a request whose head
 * and body do not arrive within {@code REQUEST_PARSE_TIMEOUT}, or a connection idle beyond
 * {@code NO_REQUEST_TIMEOUT}, is cut ({@link ClientDeadlines}).
 */
public final class HttpListener implements AutoCloseable {

    private final XnioWorker worker;
    private final AcceptingChannel<? extends StreamConnection> channel;
    private final ByteBufferPool buffers;

    private HttpListener(XnioWorker worker, AcceptingChannel<? extends StreamConnection> channel,
                         ByteBufferPool buffers) {
        this.worker = worker;
        this.channel = channel;
        this.buffers = buffers;
    }

    /** A connection over the cap: answered at once, before anything is read, and closed. */
    private static final byte[] TOO_MANY = RawAnswer.of("503 Service Unavailable",
            "Too many connections; try again later", "Retry-After: 1");

    /**
     * Listens on {@code host:port} (0 for any free port) and hands every request to {@code handler}, with at most
     * {@code maxConnections} connections open at once.
     */
    public static HttpListener open(String host, int port, OptionMap serverOptions, int maxConnections,
                                    HttpHandler handler) {
        return open(host, port, serverOptions, maxConnections, null, handler);
    }

    /**
     * Like {@link #open(String, int, OptionMap, int, HttpHandler)}; with {@code tls}, HTTPS only, with HTTP/2
     * offered by ALPN besides HTTP/1.1.
     */
    public static HttpListener open(String host, int port, OptionMap serverOptions, int maxConnections,
                                    SSLContext tls, HttpHandler handler) {
        int ioThreads = Math.max(Runtime.getRuntime().availableProcessors(), 2);
        int workerThreads = ioThreads * 8;
        XnioWorker worker;
        try {
            worker = Xnio.getInstance(HttpListener.class.getClassLoader()).createWorker(OptionMap.builder()
                    .set(Options.WORKER_IO_THREADS, ioThreads)
                    .set(Options.CONNECTION_HIGH_WATER, 1_000_000)
                    .set(Options.CONNECTION_LOW_WATER, 1_000_000)
                    .set(Options.WORKER_TASK_CORE_THREADS, workerThreads)
                    .set(Options.WORKER_TASK_MAX_THREADS, workerThreads)
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.CORK, true)
                    .getMap());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the HTTP worker threads", e);
        }
        ByteBufferPool buffers = new DefaultByteBufferPool(true, 16 * 1024 - 20, -1, 4);
        try {
            HttpOpenListener http = new HttpOpenListener(buffers, serverOptions);
            OpenListener protocols = http;
            if (tls != null) {
                AlpnOpenListener alpn = new AlpnOpenListener(buffers, serverOptions, "http/1.1", http);
                alpn.addProtocol(Http2OpenListener.HTTP2, new Http2OpenListener(buffers, OptionMap.builder()
                        .addAll(serverOptions).set(UndertowOptions.ENABLE_HTTP2, true).getMap()), 10);
                protocols = alpn;
            }
            protocols.setRootHandler(handler);
            OpenListener accepted = protocols;
            AtomicInteger open = new AtomicInteger();
            Duration requestTimeout = Duration.ofMillis(serverOptions.get(UndertowOptions.REQUEST_PARSE_TIMEOUT, 10_000));
            Duration idleTimeout = Duration.ofMillis(serverOptions.get(UndertowOptions.NO_REQUEST_TIMEOUT, 60_000));
            ChannelListener<StreamConnection> answeringRefusals = connection -> {
                if (open.incrementAndGet() > maxConnections) {
                    open.decrementAndGet();
                    refuse(connection);
                    return;
                }
                ClientDeadlines deadlines = ClientDeadlines.install(connection, requestTimeout, idleTimeout);
                connection.getCloseSetter().set(closed -> {
                    open.decrementAndGet();
                    deadlines.stop();
                });
                RefusedRequestAnswer.install(connection);
                accepted.handleEvent(connection);
            };
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), port);
            OptionMap socketOptions = OptionMap.builder()
                    .set(Options.WORKER_IO_THREADS, ioThreads)
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.REUSE_ADDRESSES, true)
                    .set(Options.BALANCING_TOKENS, 1)
                    .set(Options.BALANCING_CONNECTIONS, 2)
                    .set(Options.BACKLOG, 1000)
                    .getMap();
            AcceptingChannel<? extends StreamConnection> channel;
            if (tls == null) {
                channel = worker.createStreamConnectionServer(address,
                        ChannelListeners.openListenerAdapter(answeringRefusals), socketOptions);
            } else {
                UndertowXnioSsl ssl = new UndertowXnioSsl(worker.getXnio(), OptionMap.EMPTY, buffers, tls);
                channel = ssl.createSslConnectionServer(worker, address,
                        ChannelListeners.openListenerAdapter(answeringRefusals), socketOptions);
            }
            channel.resumeAccepts();
            return new HttpListener(worker, channel, buffers);
        } catch (IOException e) {
            worker.shutdownNow();
            buffers.close();
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    private static void refuse(StreamConnection connection) {
        try {
            connection.getSinkChannel().write(ByteBuffer.wrap(TOO_MANY)); // small enough for any socket buffer
            connection.getSinkChannel().flush();
        } catch (IOException e) {
            // the client is gone: nothing to tell it
        } finally {
            IoUtils.safeClose(connection);
        }
    }

    /** Where it listens; the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return channel.getLocalAddress(InetSocketAddress.class);
    }

    /** Stops accepting, closes every connection and stops the threads. */
    @Override
    public void close() {
        IoUtils.safeClose(channel);
        worker.shutdownNow();
        try {
            worker.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        buffers.close();
    }
}
