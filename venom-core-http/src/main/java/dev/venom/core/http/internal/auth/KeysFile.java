package dev.venom.core.http.internal.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The keys file: one key a line, {@code name role sha256-hex}; blank lines and lines starting with
 * {@code #} are kept and skipped. A key is made here (256 random bits), shown once and only its hash
 * written. Every change writes a temporary file and renames it over the old one, so a reader never sees
 * half a file.
 */
public final class KeysFile {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** A key's text starts with this, so a leaked one is recognisable (and found by secret scanners). */
    static final String PREFIX = "venom_";

    private final Path path;

    public KeysFile(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /**
     * The keys in the file.
     *
     * @throws IOException              if it cannot be read
     * @throws IllegalArgumentException naming the first bad line
     */
    public List<ApiKey> read() throws IOException {
        List<ApiKey> keys = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            try {
                if (parts.length != 3) {
                    throw new IllegalArgumentException("expected 'name role sha256-hex', found " + parts.length
                            + " field(s)");
                }
                ApiKey key = new ApiKey(parts[0], Role.parse(parts[1]), parts[2]);
                if (!names.add(key.name())) {
                    throw new IllegalArgumentException("key '" + key.name() + "' is named twice");
                }
                keys.add(key);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(path + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return keys;
    }

    /**
     * Makes a key named {@code name} with {@code role}, appends its hash and answers the key, which is
     * nowhere else: the caller shows it once.
     *
     * @throws IllegalArgumentException if a key of that name exists
     */
    public String add(String name, Role role) throws IOException {
        ApiKey.checkName(name);
        List<ApiKey> keys = Files.exists(path) ? read() : List.of();
        if (keys.stream().anyMatch(key -> key.name().equals(name))) {
            throw new IllegalArgumentException("a key named '" + name + "' exists; revoke it first");
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        List<String> lines = Files.exists(path) ? Files.readAllLines(path, StandardCharsets.UTF_8) : new ArrayList<>();
        lines = new ArrayList<>(lines);
        lines.add(new ApiKey(name, role, hash(key)).line());
        write(lines);
        return key;
    }

    /** Removes the key named {@code name}; false if there was none. */
    public boolean revoke(String name) throws IOException {
        read(); // a file that does not parse is not rewritten
        List<String> kept = new ArrayList<>();
        boolean found = false;
        for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
            String[] parts = line.strip().split("\\s+");
            if (!line.strip().startsWith("#") && parts.length == 3 && parts[0].equals(name)) {
                found = true;
            } else {
                kept.add(line);
            }
        }
        if (found) {
            write(kept);
        }
        return found;
    }

    private void write(List<String> lines) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try {
            Files.write(temp, lines, StandardCharsets.UTF_8);
            try {
                Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** SHA-256 of {@code key}'s UTF-8 bytes, as 64 hex digits. */
    public static String hash(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
