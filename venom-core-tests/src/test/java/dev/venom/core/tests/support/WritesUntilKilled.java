package dev.venom.core.tests.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/** Clients storing tasks on a server until it is killed ({@code kill -9}): a crash in the middle of writes. */
public final class WritesUntilKilled {

    private WritesUntilKilled() {
    }

    /**
     * Has {@code clients} threads post the bodies {@code nextBody} gives to {@code path} of {@code server}, one
     * after another, until it is killed {@code killAfterMs} from now; the id of every task a 201 acknowledged
     * (the answer's, or each of a batch's {@code tasks}) goes into {@code acknowledged}.
     */
    public static void run(ServerProcess server, int clients, String path, Supplier<String> nextBody,
                           long killAfterMs, Set<String> acknowledged) throws InterruptedException {
        Http http = server.http();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        for (int c = 0; c < clients; c++) {
            threads.execute(() -> {
                while (running.get()) {
                    try {
                        Http.Answer answer = http.post(path, nextBody.get());
                        if (answer.status() == 201) {
                            JsonNode json = answer.json();
                            (json.has("tasks") ? json.get("tasks") : List.of(json))
                                    .forEach(t -> acknowledged.add(t.get("task_id").asText()));
                        }
                    } catch (RuntimeException connectionLost) {
                        return;
                    }
                }
            });
        }
        Thread.sleep(killAfterMs);
        server.kill();
        running.set(false);
        threads.shutdown();
        assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
}
