package dev.venom.core.engine;

import dev.venom.core.model.TaskLog;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The original service's processor: waits a fixed delay, then returns {@code "Processed: <content>"}
 * ({@code "Przetworzono: <content>"} in Polish, as the original's code wrote it).
 * It holds no thread while it waits (a timer completes the stage). Thread-safe.
 */
public final class SimulatedProcessor implements TaskProcessor {

    /** The original's delay. */
    public static final Duration DEFAULT_DELAY = Duration.ofSeconds(2);

    private final Duration delay;
    private final TaskLog language;

    /**
     * @param delay how long each task "works"; zero or more
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    public SimulatedProcessor(Duration delay) {
        this(delay, TaskLog.EN);
    }

    /** A processor whose result is in {@code language}. */
    public SimulatedProcessor(Duration delay, TaskLog language) {
        this.language = Objects.requireNonNull(language, "language");
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must be >= 0, was " + delay);
        }
        this.delay = delay;
    }

    @Override
    public CompletionStage<String> process(VenomTask task, TaskContext ctx) {
        String result = language.processed(task.content());
        if (delay.isZero()) {
            return CompletableFuture.completedFuture(result);
        }
        return CompletableFuture.supplyAsync(() -> result,
                CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS, Runnable::run));
    }

    @Override
    public String toString() {
        return "simulated(" + delay.toMillis() + " ms)";
    }
}
