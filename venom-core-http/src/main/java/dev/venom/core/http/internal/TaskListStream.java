package dev.venom.core.http.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.venom.core.engine.TaskPage;
import dev.venom.core.engine.TaskQuery;
import dev.venom.core.model.VenomTask;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.xnio.IoUtils;
import org.slf4j.LoggerFactory;

/**
 * A JSON array of tasks written page by page without holding a thread while the client reads: each chunk
 * (about {@value #CHUNK_BYTES} bytes, one generator across them all) is handed to Undertow's asynchronous sender, and only when it has
 * been written is the next chunk encoded, or the next page read from the store on a worker thread. A client
 * that stops reading costs its own connection and one chunk, never a worker thread.
 */
final class TaskListStream implements IoCallback {

    private static final Logger log = LoggerFactory.getLogger(TaskListStream.class);
    static final int CHUNK_BYTES = 128 * 1024;

    /** The encoded chunk, sent from its own array: it is refilled only once the sender is done with it. */
    private static final class Chunk extends ByteArrayOutputStream {
        Chunk(int size) {
            super(size);
        }

        ByteBuffer view() {
            return ByteBuffer.wrap(buf, 0, count);
        }
    }

    private final HttpServerExchange exchange;
    private final ObjectWriter taskWriter;
    private final Function<TaskQuery, TaskPage> store;
    private final boolean onePage;
    private final Chunk chunk = new Chunk(CHUNK_BYTES + 4096);
    private final JsonGenerator json;
    private TaskQuery query;
    private TaskPage page;
    private int next;
    private boolean started;
    private boolean ended;

    /**
     * @param first   the first page, already read
     * @param onePage true to send {@code first} alone (a request with {@code limit}); false to follow its
     *                cursor to the last page
     */
    TaskListStream(HttpServerExchange exchange, ObjectWriter taskWriter, Function<TaskQuery, TaskPage> store,
                   TaskQuery query, TaskPage first, boolean onePage) {
        this.exchange = exchange;
        this.taskWriter = taskWriter;
        this.store = store;
        this.query = query;
        this.page = first;
        this.onePage = onePage;
        try {
            this.json = taskWriter.getFactory().createGenerator(chunk, JsonEncoding.UTF8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts sending; call it on a worker thread of the exchange. */
    void start() {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        sendChunk();
    }

    private void sendChunk() {
        chunk.reset();
        try {
            if (!started) {
                json.writeStartArray();
                started = true;
            }
            List<VenomTask> tasks = page.tasks();
            while (next < tasks.size() && chunk.size() < CHUNK_BYTES) {
                taskWriter.writeValue(json, tasks.get(next++));
                json.flush();
            }
            if (next == tasks.size() && (onePage || page.nextCursor().isEmpty())) {
                json.writeEndArray();
                json.close();
                ended = true;
            }
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the task list", e);
        }
        exchange.getResponseSender().send(chunk.view(), this);
    }

    /**
     * A chunk is written: end, or send the next chunk of this page on the thread the sender called back on
     * (a send from inside its callback is queued by the sender, never concurrent with it), or read the next
     * page on a worker and send its first chunk from the IO thread, where the sender's callbacks run.
     */
    @Override
    public void onComplete(HttpServerExchange done, Sender sender) {
        if (ended) {
            sender.close(IoCallback.END_EXCHANGE);
        } else if (next < page.tasks().size()) {
            guarded(this::sendChunk);
        } else {
            Runnable nextPage = () -> guarded(() -> {
                TaskPage following = store.apply(query.after(page));
                exchange.getIoThread().execute(() -> guarded(() -> {
                    query = query.after(page);
                    page = following;
                    next = 0;
                    sendChunk();
                }));
            });
            exchange.dispatch(nextPage);
        }
    }

    /** Runs {@code step}; a failure (of the store, of memory) cuts the answer short, as nothing else can. */
    private void guarded(Runnable step) {
        try {
            step.run();
        } catch (Throwable e) {
            log.error("GET {}: the task list broke off after it had begun: {}", exchange.getRequestPath(),
                    e.toString());
            IoUtils.safeClose(exchange.getConnection()); // the client sees a broken answer, not a short one
        }
    }

    @Override
    public void onException(HttpServerExchange done, Sender sender, IOException exception) {
        log.debug("GET {}: the client went away while the task list was sent: {}", exchange.getRequestPath(),
                exception.toString());
        IoCallback.END_EXCHANGE.onException(done, sender, exception);
    }
}
