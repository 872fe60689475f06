package dev.venom.core.tests.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/** Clients storing batches on a server until it is killed ({@code kill -9}): a crash in the middle of writes. */
public final class BatchesUntilKilled {

    private BatchesUntilKilled() {
    }

    /**
     * Has {@code clients} threads post the batches {@code nextBody} gives to {@code server} one after another
     * until it is killed, {@code killAfterMs} from now; the ids of every task a 201 acknowledged go into
     * {@code acknowledged}.
     */
    public static void run(ServerProcess server, int clients, Supplier<String> nextBody, long killAfterMs,
                           Set<String> acknowledged) throws InterruptedException {
        Http http = server.http();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        for (int c = 0; c < clients; c++) {
            threads.execute(() -> {
                while (running.get()) {
                    try {
                        Http.Answer answer = http.post("/api/v1/tasks/batch", nextBody.get());
                        if (answer.status() == 201) {
                            answer.json().get("tasks").forEach(t -> acknowledged.add(t.get("task_id").asText()));
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
