package dev.venom.core.engine.internal;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The engine's threads: named daemon threads, and their pools shut down with a timeout. */
public final class EngineThreads {

    private static final Logger log = LoggerFactory.getLogger(EngineThreads.class);

    private EngineThreads() {
    }

    /** Daemon threads named {@code <prefix>-1}, {@code <prefix>-2}, ... */
    public static ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Shuts {@code executor} down, waits 5 s, then interrupts what still runs and logs what was dropped. */
    public static void shutdown(ExecutorService executor, String name) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                List<Runnable> dropped = executor.shutdownNow();
                log.warn("{} threads did not stop within 5 s; interrupted, {} queued job(s) dropped",
                        name, dropped.size());
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** {@code job} run so that a failure is logged and the thread lives on (a periodic job runs again). */
    public static Runnable guarded(String what, Runnable job) {
        return () -> {
            try {
                job.run();
            } catch (Throwable t) {
                log.error("{} failed; retrying at the next tick", what, t);
            }
        };
    }
}
