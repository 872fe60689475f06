package dev.venom.core.tests.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real server jar ({@code venom-core-http/target/venom-server.jar}) run as a child process, as a user
 * runs it: {@code java -jar venom-server.jar}, in its own working directory, on a free port.
 */
public final class ServerProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on http://(?:\\[[^\\]]+\\]|[^:/]+):(\\d+)");

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private volatile int port = -1;
    private Thread reader;

    private ServerProcess(Process process) {
        this.process = process;
    }

    /** The server jar built by {@code mvn verify}. */
    public static Path jar() {
        Path jar = Path.of(System.getProperty("venom.server.jar", "../venom-core-http/target/venom-server.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no server jar at " + jar.toAbsolutePath()
                    + "; build it first with mvn -B verify (the reactor packages venom-core-http before these tests)");
        }
        return jar;
    }

    /** Starts the server in {@code workDir} with extra environment and flags; waits until it listens. */
    public static ServerProcess start(Path workDir, Map<String, String> env, String... flags) throws IOException {
        return startWithJvm(List.of("-Xmx256m"), workDir, env, flags);
    }

    /** Like {@link #start} with the given JVM options (heap size, GC) instead of the default 256 MiB heap. */
    public static ServerProcess startWithJvm(List<String> jvmOptions, Path workDir, Map<String, String> env,
                                      String... flags) throws IOException {
        return run(serverCommand(jvmOptions, flags), workDir, env).awaitListening();
    }

    /** Starts the server and returns at once, for runs expected to fail. */
    public static ServerProcess launch(Path workDir, Map<String, String> env, String... flags) throws IOException {
        return run(serverCommand(List.of("-Xmx256m"), flags), workDir, env);
    }

    /**
     * Runs {@code command} (a Java program that logs {@code listening on http://host:port} once it serves)
     * and waits until it listens.
     */
    public static ServerProcess startCommand(List<String> command, Path workDir) throws IOException {
        return startCommand(command, workDir, Map.of());
    }

    /** Like {@link #startCommand(List, Path)} with extra environment. */
    public static ServerProcess startCommand(List<String> command, Path workDir, Map<String, String> env)
            throws IOException {
        return run(command, workDir, env).awaitListening();
    }

    /** Runs {@code command} and returns at once, for runs expected to fail. */
    public static ServerProcess launchCommand(List<String> command, Path workDir, Map<String, String> env)
            throws IOException {
        return run(command, workDir, env);
    }

    /** The server's process id. */
    public long pid() {
        return process.pid();
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}, ...) with {@code kill}. */
    public void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /** SIGTERM, without waiting: the server drains while the caller watches. */
    public void signalTerm() {
        process.toHandle().destroy();
    }

    /** The java launcher of this JVM. */
    public static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static List<String> serverCommand(List<String> jvmOptions, String... flags) {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar().toAbsolutePath().toString());
        command.add("--port");
        command.add("0");
        command.addAll(List.of(flags));
        return command;
    }

    private static ServerProcess run(List<String> command, Path workDir, Map<String, String> env)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(key -> key.startsWith("VENOM_") || key.equals("STATE_FILE_PATH"));
        builder.environment().putAll(env);
        Process process = builder.start();
        ServerProcess server = new ServerProcess(process);
        server.reader = new Thread(server::pump, "server-output-" + process.pid());
        server.reader.setDaemon(true);
        server.reader.start();
        return server;
    }

    private ServerProcess awaitListening() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (String line : output) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    return this;
                }
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("server exited with " + process.exitValue() + ":\n" + log());
            }
            sleep(20);
        }
        process.destroyForcibly();
        throw new IllegalStateException("server did not start within 30 s:\n" + log());
    }

    private void pump() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                output.add(line);
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    public Http http() {
        return new Http("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** Everything the server printed so far. */
    public String log() {
        return String.join("\n", output);
    }

    /** {@code kill -9}: no shutdown hook, no final snapshot. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, then waits for the exit code. */
    public int terminate() throws InterruptedException {
        process.toHandle().destroy(); // SIGTERM, keeping the output pipe open (Process.destroy closes it)
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("server did not stop within 60 s after SIGTERM:\n" + log());
        }
        reader.join(5_000);
        return process.exitValue();
    }

    /** Waits for a server that should stop by itself; returns its exit code. */
    public int awaitExit() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("server did not exit within 30 s:\n" + log());
        }
        reader.join(5_000);
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
