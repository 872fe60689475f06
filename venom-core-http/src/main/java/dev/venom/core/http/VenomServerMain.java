package dev.venom.core.http;

import dev.venom.core.engine.StoreException;
import dev.venom.core.http.internal.auth.KeysCommand;
import dev.venom.core.http.internal.bench.BenchCommand;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import sun.misc.Signal;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar venom-server.jar [flags]}: starts the server; SIGTERM or Ctrl-C stops it cleanly.
 * {@code java -jar venom-server.jar bench [options]} measures the engine on a store instead, and
 * {@code java -jar venom-server.jar keys ...} manages API keys.
 */
public final class VenomServerMain {

    private static final Logger log = LoggerFactory.getLogger(VenomServerMain.class);

    private VenomServerMain() {
    }

    /** The exit status when a thread of the server died of an unexpected error: a supervisor restarts it. */
    static final int EXIT_THREAD_DIED = 70;

    public static void main(String[] args) {
        Thread.setDefaultUncaughtExceptionHandler(VenomServerMain::threadDied);
        if (args.length > 0 && args[0].equals("bench")) {
            System.exit(BenchCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            return;
        }
        if (args.length > 0 && args[0].equals("keys")) {
            System.exit(KeysCommand.run(Arrays.copyOfRange(args, 1, args.length), System.getenv(), System.out,
                    System.err));
            return;
        }
        if (ServerConfig.wantsHelp(args)) {
            System.out.println(ServerConfig.USAGE);
            return;
        }
        ServerConfig config;
        try {
            config = ServerConfig.load(args, System.getenv(), Path.of(".env"));
        } catch (ServerConfig.InvalidConfigException e) {
            System.err.println("venom: " + e.getMessage());
            System.exit(2);
            return;
        }
        VenomApplication app;
        try {
            app = VenomApplication.start(config);
        } catch (ServerConfig.InvalidConfigException e) {
            log.error("cannot start: {}", e.getMessage());
            System.exit(2);
            return;
        } catch (StoreException e) {
            log.error("cannot start: {}", e.getMessage());
            System.exit(1);
            return;
        } catch (RuntimeException e) {
            log.error("cannot start", e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "venom-shutdown"));
        // SIGTERM or Ctrl-C is a normal end: stop cleanly, then exit 0 (the JVM default would be 143).
        Signal.handle(new Signal("TERM"), signal -> app.close());
        Signal.handle(new Signal("INT"), signal -> app.close());
        try {
            app.awaitClosed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.exit(0);
    }

    /**
     * The threads the engine and the stores run one of each, which nothing replaces: the event bus, the
     * journal's writer, the scheduler, the PostgreSQL writers and listeners. Each catches what it can handle
     * at its boundary, so one that dies leaves the server without a part it needs.
     */
    private static final List<String> ESSENTIAL_THREADS =
            List.of("venom-events", "venom-journal", "venom-scheduler", "venom-pg-");

    /**
     * A thread died of something it did not catch. If it was an essential thread, or the JVM itself failed
     * (an internal error; running out of heap or stack is the thread's own trouble, which pools survive), the
     * process ends at once, for its supervisor to start it again, rather than answer on without it; a
     * pooled thread (HTTP, attempts) is replaced by its pool, so it is only logged.
     */
    private static void threadDied(Thread thread, Throwable error) {
        boolean essential = ESSENTIAL_THREADS.stream().anyMatch(thread.getName()::startsWith);
        boolean jvmFailed = error instanceof InternalError || error instanceof UnknownError;
        if (!essential && !jvmFailed) {
            log.error("thread {} died; its pool replaces it", thread.getName(), error);
            return;
        }
        try {
            log.error("thread {} died; stopping the process (exit {}) so that it is restarted", thread.getName(),
                    EXIT_THREAD_DIED, error);
        } finally {
            Runtime.getRuntime().halt(EXIT_THREAD_DIED);
        }
    }
}
