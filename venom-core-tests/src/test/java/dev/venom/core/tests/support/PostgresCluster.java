package dev.venom.core.tests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** The machine's own PostgreSQL cluster, stopped and started by the tests that need it down for a while. */
public final class PostgresCluster {

    private final String version;

    private PostgresCluster(String version) {
        this.version = version;
    }

    /**
     * The local Debian cluster ({@code pg_ctlcluster <version> main}); skips the test where there is none,
     * or fails it under {@code CI=true}.
     */
    public static PostgresCluster local() throws IOException {
        Path configs = Path.of("/etc/postgresql");
        String version = null;
        if (Files.isDirectory(configs)) {
            try (Stream<Path> versions = Files.list(configs)) {
                version = versions.map(p -> p.getFileName().toString()).filter(v -> v.matches("\\d+(\\.\\d+)?"))
                        .max(java.util.Comparator.comparingDouble(Double::parseDouble)).orElse(null);
            }
        }
        if (version == null || !Files.isExecutable(Path.of("/usr/bin/pg_ctlcluster"))) {
            String why = "no local PostgreSQL cluster to stop and start (pg_ctlcluster, /etc/postgresql)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true: this test must run; " + why);
            }
            Assumptions.abort(why);
        }
        return new PostgresCluster(version);
    }

    public void stop() throws IOException, InterruptedException {
        run("stop", "-m", "fast");
    }

    public void start() throws IOException, InterruptedException {
        run("start");
    }

    private void run(String action, String... options) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("pg_ctlcluster", "--skip-systemctl-redirect",
                version, "main", action));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
