package dev.venom.core.tests.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link JournalStoreBenchmark} with 1, 8 and 64 writer threads, fsync always; prints and writes
 * {@code target/bench/store.txt}. Run with {@code -Pbench}.
 */
@Tag("bench")
class StoreJmhBench {

    @Test
    void durableChangesPerSecondByWriters() throws Exception {
        List<String> report = new ArrayList<>();
        report.add("JMH, fork 1, warm-up 2 x 2 s, measured 3 x 3 s, fsync always; durable inserts per second");
        double single = 0;
        for (int threads : new int[] {1, 8, 64}) {
            Options options = new OptionsBuilder()
                    .include(JournalStoreBenchmark.class.getName() + ".durableInsert")
                    .threads(threads)
                    .forks(1)
                    .jvmArgsAppend("-Xmx1g")
                    .warmupIterations(2)
                    .warmupTime(TimeValue.seconds(2))
                    .measurementIterations(3)
                    .measurementTime(TimeValue.seconds(3))
                    .build();
            for (RunResult result : new Runner(options).run()) {
                double score = result.getPrimaryResult().getScore();
                single = threads == 1 ? score : single;
                report.add(String.format("%2d writer(s): %,10.0f changes/s (iterations %,.0f..%,.0f), %.1fx one writer",
                        threads, score, result.getPrimaryResult().getStatistics().getMin(),
                        result.getPrimaryResult().getStatistics().getMax(), score / single));
            }
        }
        String text = String.join("\n", report);
        System.out.println("\n" + text + "\n");
        Path out = Path.of(System.getProperty("venom.bench.out", "target/bench"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("store.txt"), text + "\n");
    }
}
