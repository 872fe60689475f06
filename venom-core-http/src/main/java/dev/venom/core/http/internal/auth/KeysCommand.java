package dev.venom.core.http.internal.auth;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar venom-server.jar keys add|list|revoke}: manages a keys file. {@code add} prints the new
 * key once (only its hash is kept); a running server reads the change within a second.
 */
public final class KeysCommand {

    public static final String USAGE = """
            usage: java -jar venom-server.jar keys add --name NAME --role read|write|admin|worker [--file F]
                   java -jar venom-server.jar keys list [--file F]
                   java -jar venom-server.jar keys revoke --name NAME [--file F]
            The file is --file, else VENOM_API_KEYS_FILE. add prints the key once: store it now.""";

    private KeysCommand() {
    }

    /**
     * Runs the command {@code args} name; answers the exit status: 0 done, 1 a key not found or the file
     * unreadable, 2 a usage error.
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            (args.length == 0 ? err : out).println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String flag = args[i];
            if (!List.of("--name", "--role", "--file").contains(flag) || i + 1 == args.length) {
                err.println("venom keys: unknown option or missing value: " + flag + "\n" + USAGE);
                return 2;
            }
            options.put(flag, args[++i]);
        }
        String file = options.getOrDefault("--file", env.getOrDefault("VENOM_API_KEYS_FILE", ""));
        if (file.isBlank()) {
            err.println("venom keys: no keys file: give --file F or set VENOM_API_KEYS_FILE");
            return 2;
        }
        KeysFile keys = new KeysFile(Path.of(file));
        try {
            return switch (args[0]) {
                case "add" -> add(keys, options, out, err);
                case "list" -> list(keys, out);
                case "revoke" -> revoke(keys, options, out, err);
                default -> {
                    err.println("venom keys: unknown command '" + args[0] + "'\n" + USAGE);
                    yield 2;
                }
            };
        } catch (IllegalArgumentException e) {
            err.println("venom keys: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("venom keys: cannot use " + file + ": " + e);
            return 1;
        }
    }

    private static int add(KeysFile keys, Map<String, String> options, PrintStream out, PrintStream err)
            throws IOException {
        if (!options.containsKey("--name") || !options.containsKey("--role")) {
            err.println("venom keys add: --name and --role are required\n" + USAGE);
            return 2;
        }
        Role role = Role.parse(options.get("--role"));
        String key = keys.add(options.get("--name"), role);
        out.println(key);
        err.println("key '" + options.get("--name") + "' (role " + role.label() + ") added to " + keys.path()
                + "; it is shown only this once");
        return 0;
    }

    private static int list(KeysFile keys, PrintStream out) throws IOException {
        if (!Files.exists(keys.path())) {
            throw new IOException("no such file");
        }
        for (ApiKey key : keys.read()) {
            out.println(key.name() + " " + key.role().label());
        }
        return 0;
    }

    private static int revoke(KeysFile keys, Map<String, String> options, PrintStream out, PrintStream err)
            throws IOException {
        if (!options.containsKey("--name")) {
            err.println("venom keys revoke: --name is required\n" + USAGE);
            return 2;
        }
        if (!keys.revoke(options.get("--name"))) {
            err.println("venom keys revoke: no key named '" + options.get("--name") + "' in " + keys.path());
            return 1;
        }
        out.println("key '" + options.get("--name") + "' revoked; servers refuse it within a second");
        return 0;
    }
}
