package dev.venom.core.tests.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop HTTP/1.1 load generator: each connection is a thread with a keep-alive socket that sends
 * {@code POST /api/v1/tasks} and waits for the answer before the next. Latency is measured per request
 * (send to last byte) into an HdrHistogram; only answers with the expected status count.
 */
public final class LoadClient {

    /** What a run measured. */
    public record Result(String name, long requests, long errors, double seconds, long p50Micros, long p99Micros) {

        public double perSecond() {
            return requests / seconds;
        }

        @Override
        public String toString() {
            return String.format("%-34s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (%d ok, %d errors, %.1f s)",
                    name, perSecond(), p50Micros / 1000.0, p99Micros / 1000.0, requests, errors, seconds);
        }
    }

    private final int port;
    private final byte[] request;
    private final int expectedStatus;

    public LoadClient(int port, String body, int expectedStatus) {
        this(port, body, expectedStatus, "");
    }

    /** @param headers more header lines, each ending in CRLF (such as an {@code Authorization} header) */
    public LoadClient(int port, String body, int expectedStatus, String headers) {
        this.port = port;
        byte[] json = body.getBytes(StandardCharsets.UTF_8);
        this.request = ("POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + headers + "Content-Length: " + json.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
        this.expectedStatus = expectedStatus;
    }

    /** Warms up, then measures {@code connections} closed loops for {@code duration}. */
    public Result run(String name, int connections, Duration warmup, Duration duration) throws InterruptedException {
        phase(connections, warmup, null);
        Histogram latency = new Histogram(60_000_000L, 3);
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long ok = phase(connections, duration, new Sink(latency, errors));
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(name, ok, errors.get(), seconds, latency.getValueAtPercentile(50),
                latency.getValueAtPercentile(99));
    }

    private record Sink(Histogram latency, AtomicLong errors) {
    }

    private long phase(int connections, Duration length, Sink sink) throws InterruptedException {
        long deadline = System.nanoTime() + length.toNanos();
        List<Thread> threads = new ArrayList<>();
        AtomicLong ok = new AtomicLong();
        for (int c = 0; c < connections; c++) {
            Thread t = new Thread(() -> loop(deadline, sink, ok), "load-" + c);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return ok.get();
    }

    private void loop(long deadline, Sink sink, AtomicLong ok) {
        Histogram local = new Histogram(60_000_000L, 3);
        long errors = 0;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            while (System.nanoTime() < deadline) {
                long t0 = System.nanoTime();
                out.write(request);
                out.flush();
                int status = readResponse(in);
                long micros = (System.nanoTime() - t0) / 1000;
                if (status == expectedStatus) {
                    ok.incrementAndGet();
                    local.recordValue(Math.min(micros, 60_000_000L));
                } else {
                    errors++;
                }
            }
        } catch (IOException e) {
            errors++;
        }
        if (sink != null) {
            synchronized (sink.latency()) {
                sink.latency().add(local);
            }
            sink.errors().addAndGet(errors);
        }
    }

    /** Reads one response; returns its status. Needs Content-Length (Undertow sends it for these answers). */
    private static int readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder(256);
        int last4 = 0;
        while (last4 != 0x0D0A0D0A) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed");
            }
            head.append((char) b);
            last4 = (last4 << 8) | b;
        }
        String text = head.toString();
        int status = Integer.parseInt(text.substring(9, 12));
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.skipNBytes(length);
        return status;
    }
}
