package dev.venom.core.tests.support;

import dev.venom.core.http.ServerConfig;
import dev.venom.core.http.VenomApplication;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Real servers in the test's JVM, each with its own state file in {@code dir}, a free port and a short
 * shutdown grace; closing stops them all.
 */
public final class InProcessServers implements AutoCloseable {

    private final Path dir;
    private final List<VenomApplication> apps = new ArrayList<>();

    public InProcessServers(Path dir) {
        this.dir = dir;
    }

    /** Starts a server with {@code flags} on top of the defaults above; its client. */
    public Http start(String... flags) {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--state-file",
                dir.resolve("state-" + apps.size() + ".json").toString(), "--shutdown-grace-ms", "100"));
        args.addAll(List.of(flags));
        VenomApplication app = VenomApplication.start(
                ServerConfig.load(args.toArray(String[]::new), Map.of(), dir.resolve("no.env")));
        apps.add(app);
        return new Http("http://127.0.0.1:" + app.address().getPort());
    }

    @Override
    public void close() {
        apps.forEach(VenomApplication::close);
    }
}
