package dev.venom.core.tests.bench;

import dev.venom.core.http.internal.auth.KeysFile;
import dev.venom.core.http.internal.auth.Role;
import dev.venom.core.tests.support.LoadClient;
import dev.venom.core.tests.support.ProcessCpu;
import dev.venom.core.tests.support.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What checking API keys costs the create path (issue 18: under 5 %): two servers side by side, one with a
 * keys file and one without, the same closed-loop load on each in alternating rounds, the server's CPU time
 * per request read from {@code /proc}, the medians compared. Run with {@code -Pbench}; prints and writes
 * {@code target/bench/auth.txt}.
 */
@Tag("bench")
class AuthCostBench {

    private static final int CONNECTIONS = Integer.getInteger("venom.bench.connections", 32);
    private static final int ROUNDS = Integer.getInteger("venom.bench.rounds", 5);
    private static final Duration WARMUP = Duration.ofSeconds(Long.getLong("venom.bench.warmup", 15));
    private static final Duration MEASURE = Duration.ofSeconds(Long.getLong("venom.bench.seconds", 4));
    private static final String BODY = "{\"content\": \"benchmark task\"}";
    private static final List<String> JVM = List.of("-Xmx1g");

    @TempDir
    Path dir;

    /** One round: requests a second, and the server's CPU microseconds per request. */
    private record Round(double perSecond, double cpuMicros) {
    }

    @Test
    void createsWithAKeyAgainstCreatesWithoutKeys() throws Exception {
        KeysFile keys = new KeysFile(dir.resolve("keys"));
        String key = keys.add("bench", Role.WRITE);
        for (int i = 0; i < 20; i++) {
            keys.add("other-" + i, Role.READ); // a file of a few keys, as in use
        }
        List<String> report = new ArrayList<>();
        report.add(String.format("%d connections, %d alternated rounds of %d s after %d s warm-up each, "
                + "fsync always, %d cores", CONNECTIONS, ROUNDS, MEASURE.toSeconds(), WARMUP.toSeconds(),
                Runtime.getRuntime().availableProcessors()));
        try (ServerProcess open = ServerProcess.startWithJvm(JVM, Files.createDirectories(dir.resolve("open")),
                     Map.of("VENOM_PROCESSING_DELAY_MS", "0"));
             ServerProcess guarded = ServerProcess.startWithJvm(JVM, Files.createDirectories(dir.resolve("guarded")),
                     Map.of("VENOM_PROCESSING_DELAY_MS", "0", "VENOM_API_KEYS_FILE", keys.path().toString()))) {
            LoadClient without = new LoadClient(open.port(), BODY, 201);
            LoadClient with = new LoadClient(guarded.port(), BODY, 201, "Authorization: Bearer " + key + "\r\n");
            without.run("warm-up without keys", CONNECTIONS, Duration.ZERO, WARMUP);
            with.run("warm-up with a key", CONNECTIONS, Duration.ZERO, WARMUP);
            List<Round> off = new ArrayList<>();
            List<Round> on = new ArrayList<>();
            for (int round = 1; round <= ROUNDS; round++) {
                off.add(measure(without, open, "without keys #" + round, report));
                on.add(measure(with, guarded, "with a key #" + round, report));
            }
            double cpuOff = median(off.stream().mapToDouble(Round::cpuMicros).toArray());
            double cpuOn = median(on.stream().mapToDouble(Round::cpuMicros).toArray());
            double rateOff = median(off.stream().mapToDouble(Round::perSecond).toArray());
            double rateOn = median(on.stream().mapToDouble(Round::perSecond).toArray());
            report.add(String.format("server CPU per create, with a key / without keys, median: %.3f (%.1f / %.1f us; "
                    + "target <= 1.05)", cpuOn / cpuOff, cpuOn, cpuOff));
            report.add(String.format("creates a second, with a key / without keys, median: %.3f (%.0f / %.0f)",
                    rateOn / rateOff, rateOn, rateOff));
        }
        String text = String.join("\n", report);
        System.out.println("\n" + text + "\n");
        Path out = Path.of(System.getProperty("venom.bench.out", "target/bench"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("auth.txt"), text + "\n");
    }

    private static Round measure(LoadClient client, ServerProcess server, String name, List<String> report)
            throws InterruptedException {
        long cpuBefore = ProcessCpu.micros(List.of(server.pid()));
        LoadClient.Result result = client.run(name, CONNECTIONS, Duration.ZERO, MEASURE);
        long cpu = ProcessCpu.micros(List.of(server.pid())) - cpuBefore;
        double perRequest = (double) cpu / Math.max(1, result.requests());
        report.add(String.format("%s   %.1f us CPU/request", result, perRequest));
        return new Round(result.perSecond(), perRequest);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
