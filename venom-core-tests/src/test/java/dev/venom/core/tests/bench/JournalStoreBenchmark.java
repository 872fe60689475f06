package dev.venom.core.tests.bench;

import dev.venom.core.model.VenomTask;
import dev.venom.core.persistence.Fsync;
import dev.venom.core.persistence.JsonFileStateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Durable changes per second of the embedded store: each operation inserts a task and waits until it is
 * on disk. Writers are JMH threads (1, 8, 64), so concurrent writers share fsyncs (group commit).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class JournalStoreBenchmark {

    @Param({"ALWAYS"})
    public String fsync;

    private Path dir;
    private JsonFileStateStore store;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("venom-jmh");
        store = JsonFileStateStore.builder(dir.resolve("state_dump.json")).fsync(Fsync.valueOf(fsync)).open();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public VenomTask durableInsert() {
        return store.insert(VenomTask.create(UUID.randomUUID(), "benchmark task", Instant.now())).join();
    }
}
