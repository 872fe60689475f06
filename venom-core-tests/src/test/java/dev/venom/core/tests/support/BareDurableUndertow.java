package dev.venom.core.tests.support;

import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The floor under any durable create: a bare Undertow POST handler that answers only once the body is on
 * the disk. The IO thread hands the body to one writer thread, which appends whatever has arrived to a file,
 * forces it ({@code fdatasync}), and hands each answer back to its IO thread: the group commit and the two
 * thread hand-offs a durable answer needs, written ahead as the journal is (zeros in 4 MiB steps), and nothing else (no parsing, no validation, no task).
 */
public final class BareDurableUndertow {

    private record Pending(HttpServerExchange exchange, byte[] body) {
    }

    private BareDurableUndertow() {
    }

    public static void main(String[] args) throws IOException {
        FileChannel file = FileChannel.open(Path.of(args.length > 0 ? args[0] : "bodies.log"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
        Thread writer = new Thread(() -> write(file, queue), "bare-writer");
        writer.setDaemon(true);
        writer.start();
        Undertow server = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setHandler(exchange -> exchange.getRequestReceiver().receiveFullBytes((ex, body) ->
                        ex.dispatch(SameThreadExecutor.INSTANCE, () -> queue.add(new Pending(ex, body)))))
                .build();
        server.start();
        InetSocketAddress at = (InetSocketAddress) server.getListenerInfo().get(0).getAddress();
        System.out.println("bare durable Undertow listening on http://127.0.0.1:" + at.getPort());
    }

    /** Zeros written ahead of the bodies, as the journal does, so that a force has no file size to flush. */
    private static final int AHEAD = 4 << 20;

    private static void write(FileChannel file, BlockingQueue<Pending> queue) {
        List<Pending> batch = new ArrayList<>();
        long position = 0;
        long allocated = 0;
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch);
                int size = 0;
                for (Pending pending : batch) {
                    size += pending.body.length + 1;
                }
                ByteBuffer buffer = ByteBuffer.allocate(size);
                for (Pending pending : batch) {
                    buffer.put(pending.body).put((byte) '\n');
                }
                buffer.flip();
                if (position + size > allocated) {
                    while (position + size > allocated) {
                        ByteBuffer zeros = ByteBuffer.allocate(AHEAD);
                        while (zeros.hasRemaining()) {
                            allocated += file.write(zeros, allocated);
                        }
                    }
                    file.force(true);
                }
                while (buffer.hasRemaining()) {
                    position += file.write(buffer, position);
                }
                file.force(false);
                for (Pending pending : batch) {
                    HttpServerExchange exchange = pending.exchange;
                    exchange.getIoThread().execute(() -> {
                        exchange.setStatusCode(201);
                        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                        exchange.getResponseSender().send(ByteBuffer.wrap(("{\"task_id\":\"" + UUID.randomUUID()
                                + "\",\"status\":\"PENDING\"}").getBytes(StandardCharsets.US_ASCII)));
                    });
                }
                batch.clear();
            }
        } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            e.printStackTrace();
            Runtime.getRuntime().halt(1); // a server that can no longer answer must not go on accepting
        }
    }
}
