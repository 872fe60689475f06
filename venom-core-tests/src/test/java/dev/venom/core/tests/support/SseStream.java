package dev.venom.core.tests.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A Server-Sent Events stream being read on a background thread; {@code "end"} in the queue marks its end. */
public final class SseStream implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    /** One server-sent event. */
    public record Sse(String type, String id, JsonNode data) {
    }

    private final BlockingQueue<Object> events = new ArrayBlockingQueue<>(10_000);
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final HttpResponse<Stream<String>> response;

    public SseStream(String url, String lastEventId) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        Thread reader = new Thread(() -> {
            String type = "message";
            String id = null;
            StringBuilder data = new StringBuilder();
            try {
                Iterator<String> lines = response.body().iterator();
                while (lines.hasNext()) {
                    String line = lines.next();
                    if (line.isEmpty()) {
                        if (data.length() > 0) {
                            events.add(new Sse(type, id, JSON.readTree(data.toString())));
                        }
                        type = "message";
                        id = null;
                        data.setLength(0);
                    } else if (line.startsWith("retry:")) {
                        subscribed.countDown(); // the server sends it once the subscription is in place
                    } else if (line.startsWith("event:")) {
                        type = line.substring(6).strip();
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).strip();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).strip());
                    }
                }
            } catch (Exception e) {
                // the stream was closed
            } finally {
                events.add("end");
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits until the server has subscribed this stream, so nothing after this call is missed. */
    public SseStream awaitSubscribed() throws InterruptedException {
        assertThat(subscribed.await(10, TimeUnit.SECONDS)).as("subscribed within 10 s").isTrue();
        return this;
    }

    /** The next event, or null when the stream ended; fails after 10 s of silence. */
    public Sse next() throws InterruptedException {
        Object next = events.poll(10, TimeUnit.SECONDS);
        assertThat(next).as("an event or the end within 10 s").isNotNull();
        return next instanceof Sse sse ? sse : null;
    }

    /** The next event, the string {@code "end"} when the stream ended, or null if none came within the wait. */
    public Object poll(long timeout, TimeUnit unit) throws InterruptedException {
        return events.poll(timeout, unit);
    }

    @Override
    public void close() {
        response.body().close();
    }
}
