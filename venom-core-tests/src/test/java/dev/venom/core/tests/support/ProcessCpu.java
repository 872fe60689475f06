package dev.venom.core.tests.support;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time used by processes, read from Linux's {@code /proc} (user plus system time, in clock ticks of
 * 10 ms). A benchmark divides it by the work done: unlike a rate, CPU per unit of work is not inflated by
 * what other tenants of a shared machine take, so it tells where a task's cost goes.
 */
public final class ProcessCpu {

    private static final long MICROS_PER_TICK = 10_000;

    private ProcessCpu() {
    }

    /** Whether this machine has {@code /proc} to read. */
    public static boolean available() {
        return Files.isReadable(Path.of("/proc/self/stat"));
    }

    /** CPU microseconds used so far by the processes {@code pids}; 0 for one that is gone. */
    public static long micros(List<Long> pids) {
        long ticks = 0;
        for (long pid : pids) {
            ticks += ticks(read(Path.of("/proc", Long.toString(pid), "stat")), false);
        }
        return ticks * MICROS_PER_TICK;
    }

    /**
     * CPU microseconds used so far by every running process named {@code name}, with the children each has
     * reaped: for PostgreSQL, the postmaster's children include backends and autovacuum workers that exited.
     */
    public static long micros(String name) {
        long ticks = 0;
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                String stat = read(process.resolve("stat"));
                if (stat.contains("(" + name + ")")) {
                    ticks += ticks(stat, true);
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks * MICROS_PER_TICK;
    }

    /**
     * The machine's CPU time so far, in microseconds: {@code [busy, stolen]} from {@code /proc/stat}. Stolen
     * time is what the hypervisor gave other guests: a run with much of it measured a slower machine.
     */
    public static long[] machineMicros() {
        String[] fields = read(Path.of("/proc/stat")).lines().findFirst().orElse("cpu").trim().split("\\s+");
        if (fields.length < 9) {
            return new long[] {0, 0};
        }
        long busy = 0;
        for (int i = 1; i <= 7; i++) {
            if (i != 4 && i != 5) { // idle and iowait
                busy += Long.parseLong(fields[i]);
            }
        }
        return new long[] {busy * MICROS_PER_TICK, Long.parseLong(fields[8]) * MICROS_PER_TICK};
    }

    /**
     * utime + stime of a {@code /proc/<pid>/stat} text (fields 14 and 15), plus cutime + cstime (16 and 17)
     * if asked; 0 for an empty text, a process that ended while being read.
     */
    private static long ticks(String stat, boolean withReapedChildren) {
        if (stat.isEmpty()) {
            return 0;
        }
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // field 3 onwards
        long own = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return withReapedChildren ? own + Long.parseLong(fields[13]) + Long.parseLong(fields[14]) : own;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return ""; // the process ended while being read
        }
    }
}
