package dev.venom.core.tests.bench;

import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 tasks in one {@code POST /api/v1/tasks/batch} against 1,000 single creates one after another over one
 * kept-alive connection (issue 20: at least 5x faster), on the server jar with the journal (fsync always),
 * alternating, after a warm-up. Run with {@code -Pbench}; prints and writes {@code target/bench/batch.txt}.
 */
@Tag("bench")
class BatchBench {

    private static final int TASKS = 1_000;
    private static final int ROUNDS = Integer.getInteger("venom.bench.rounds", 5);

    @TempDir
    Path dir;

    @Test
    void oneBatchAgainstAThousandCreates() throws Exception {
        StringBuilder batch = new StringBuilder("{\"tasks\": [");
        for (int i = 0; i < TASKS; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"content\": \"batch task ").append(i).append("\"}");
        }
        String batchBody = batch.append("]}").toString();
        List<String> report = new ArrayList<>();
        try (ServerProcess server = ServerProcess.startWithJvm(List.of("-Xmx1g"), dir,
                Map.of("VENOM_PROCESSING_DELAY_MS", "0", "VENOM_MAX_BODY_BYTES", "4194304"))) {
            Http http = server.http();
            for (int warm = 0; warm < 3; warm++) {
                singles(http);
                batch(http, batchBody);
            }
            double[] single = new double[ROUNDS];
            double[] batched = new double[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                single[round] = singles(http);
                batched[round] = batch(http, batchBody);
                report.add(String.format("round %d: 1,000 creates %.1f ms, one batch of 1,000 %.1f ms", round + 1,
                        single[round], batched[round]));
            }
            double singleMedian = median(single);
            double batchMedian = median(batched);
            report.add(String.format("medians: creates %.1f ms, batch %.1f ms: the batch is %.1fx faster (target >= 5)",
                    singleMedian, batchMedian, singleMedian / batchMedian));
        }
        String text = String.join("\n", report);
        System.out.println("\n" + text + "\n");
        Path out = Path.of(System.getProperty("venom.bench.out", "target/bench"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("batch.txt"), text + "\n");
    }

    private static double singles(Http http) {
        long start = System.nanoTime();
        for (int i = 0; i < TASKS; i++) {
            Http.Answer created = http.post("/api/v1/tasks", "{\"content\": \"single task " + i + "\"}");
            if (created.status() != 201) {
                throw new IllegalStateException("create answered " + created.status());
            }
        }
        return (System.nanoTime() - start) / 1e6;
    }

    private static double batch(Http http, String body) {
        long start = System.nanoTime();
        Http.Answer stored = http.post("/api/v1/tasks/batch", body);
        if (stored.status() != 201) {
            throw new IllegalStateException("batch answered " + stored.status() + ": " + stored.body());
        }
        return (System.nanoTime() - start) / 1e6;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
