package dev.venom.core.http.internal.bench;

import java.util.Locale;

/**
 * What {@code java -jar venom-server.jar bench} measures: the store, the mode, how many tasks or seconds,
 * producers, slots and payload size. Parsed from {@code --name value} flags; unknown ones are refused.
 *
 * @param store        {@code json} (the embedded journal in a temporary directory) or a PostgreSQL JDBC URL
 * @param mode         {@code burn-down} (enqueue every task, then run them all) or {@code steady} (both at once)
 * @param tasks        burn-down: how many tasks
 * @param seconds      steady: how long the producers enqueue
 * @param producers    threads enqueueing, each waiting for every task's durable acknowledgement
 * @param concurrency  processors running at once
 * @param payloadBytes the size of each task's content
 * @param warmup       tasks enqueued and run before anything is measured, so the JIT has compiled the paths
 */
record BenchOptions(String store, Mode mode, int tasks, int seconds, int producers, int concurrency,
                    int payloadBytes, int warmup) {

    /** How the load is applied. */
    enum Mode {
        BURN_DOWN, STEADY;

        static Mode of(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "burn-down" -> BURN_DOWN;
                case "steady" -> STEADY;
                default -> throw new IllegalArgumentException("--mode must be burn-down or steady, was '" + text + "'");
            };
        }

        String flag() {
            return this == BURN_DOWN ? "burn-down" : "steady";
        }
    }

    static final String USAGE = """
            Usage: java -jar venom-server.jar bench [options]
              --store json|jdbc:postgresql://...  the store (default json: the embedded journal, fsync always,
                                                  in a temporary directory; PostgreSQL: a fresh schema, dropped after)
              --mode burn-down|steady             burn-down: enqueue --tasks, then run them all (default);
                                                  steady: enqueue for --seconds while they run
              --tasks N                           burn-down tasks (default 20000)
              --seconds N                         steady seconds (default 10)
              --producers N                       enqueueing threads, each waiting for durability (default 8)
              --concurrency N                     processors running at once (default 16)
              --payload-bytes N                   content size of each task (default 16)
              --warmup N                          tasks enqueued and run first, not measured, so the JIT has
                                                  compiled the engine (default 0: a cold JVM, as a restart is)
            Prints enqueue/s, completions/s, create-to-start latency p50/p99 and this JVM's CPU per task,
            with the machine it ran on, and on PostgreSQL the WAL written per task. The processor does nothing:
            what is measured is the engine and store.""";

    static BenchOptions parse(String[] args) {
        String store = "json";
        Mode mode = Mode.BURN_DOWN;
        int tasks = 20_000;
        int seconds = 10;
        int producers = 8;
        int concurrency = 16;
        int payload = 16;
        int warmup = 0;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--store" -> store = value;
                case "--mode" -> mode = Mode.of(value);
                case "--tasks" -> tasks = number(flag, value, 1, 10_000_000);
                case "--seconds" -> seconds = number(flag, value, 1, 3_600);
                case "--producers" -> producers = number(flag, value, 1, 1_000);
                case "--concurrency" -> concurrency = number(flag, value, 1, 10_000);
                case "--payload-bytes" -> payload = number(flag, value, 0, 1 << 20);
                case "--warmup" -> warmup = number(flag, value, 0, 10_000_000);
                default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
            }
        }
        if (!store.equals("json") && !store.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("--store must be json or a jdbc:postgresql:// URL, was '" + store + "'");
        }
        return new BenchOptions(store, mode, tasks, seconds, producers, concurrency, payload, warmup);
    }

    private static int number(String flag, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException(flag + " must be " + min + ".." + max + ", was '" + value + "'");
    }
}
