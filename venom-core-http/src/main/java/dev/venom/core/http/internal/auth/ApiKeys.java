package dev.venom.core.http.internal.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys a server accepts, read from its {@link KeysFile} and read again within a second of a change, so
 * that a key added or revoked takes effect without a restart. A file that no longer parses is reported and
 * the keys read last are kept. Thread-safe; owns the thread that watches the file.
 */
public final class ApiKeys implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

    /** The keys, each with its hash as bytes for the constant-time comparison. */
    private record Known(ApiKey key, byte[] hash) {
    }

    private final KeysFile file;
    private final BiConsumer<Set<String>, Set<String>> changed;
    private final ScheduledExecutorService watcher;
    private volatile List<Known> keys;
    private volatile FileTime readModified;
    private volatile long readSize;

    private ApiKeys(KeysFile file, BiConsumer<Set<String>, Set<String>> changed) {
        this.file = file;
        this.changed = changed;
        this.watcher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "venom-keys-watcher");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Reads {@code file} and watches it.
     *
     * @throws IllegalArgumentException if it is missing, unreadable or has a bad line
     */
    public static ApiKeys open(KeysFile file) {
        return open(file, (added, removed) -> { });
    }

    /**
     * Reads {@code file} and watches it; {@code changed} hears the names of the keys each change added and
     * removed.
     *
     * @throws IllegalArgumentException if it is missing, unreadable or has a bad line
     */
    public static ApiKeys open(KeysFile file, BiConsumer<Set<String>, Set<String>> changed) {
        ApiKeys keys = new ApiKeys(file, changed);
        try {
            keys.load();
        } catch (IOException e) {
            keys.close();
            throw new IllegalArgumentException("cannot read the keys file " + file.path() + ": " + e, e);
        } catch (IllegalArgumentException e) {
            keys.close();
            throw e;
        }
        keys.watcher.scheduleWithFixedDelay(keys::reloadIfChanged, 1, 1, TimeUnit.SECONDS);
        return keys;
    }

    /** The key whose secret is {@code secret}, if it is one of these. */
    public Optional<ApiKey> find(String secret) {
        byte[] hash = KeysFile.sha256(secret);
        ApiKey found = null;
        for (Known known : keys) {
            if (MessageDigest.isEqual(known.hash, hash)) { // every key compared, in constant time each
                found = known.key;
            }
        }
        return Optional.ofNullable(found);
    }

    private Set<ApiKey> entries() {
        Set<ApiKey> entries = new java.util.HashSet<>();
        keys.forEach(known -> entries.add(known.key));
        return entries;
    }

    /** How many keys there are. */
    public int size() {
        return keys.size();
    }

    private void load() throws IOException {
        FileTime modified = Files.getLastModifiedTime(file.path());
        long size = Files.size(file.path());
        keys = file.read().stream().map(key -> new Known(key, HexFormat.of().parseHex(key.hash()))).toList();
        readModified = modified;
        readSize = size;
    }

    void reloadIfChanged() {
        try {
            if (Files.getLastModifiedTime(file.path()).equals(readModified) && Files.size(file.path()) == readSize) {
                return;
            }
            Set<ApiKey> before = entries();
            load();
            Set<ApiKey> after = entries();
            // a key whose secret or role changed under the same name counts as removed and added
            Set<String> added = new TreeSet<>();
            after.stream().filter(key -> !before.contains(key)).forEach(key -> added.add(key.name()));
            Set<String> removed = new TreeSet<>();
            before.stream().filter(key -> !after.contains(key)).forEach(key -> removed.add(key.name()));
            log.info("keys file {} read again: {} key(s); added {}, removed {}", file.path(), after.size(), added,
                    removed);
            if (!added.isEmpty() || !removed.isEmpty()) {
                changed.accept(added, removed);
            }
        } catch (IOException | RuntimeException e) {
            // any failure: the watcher must live on, or later revocations would never take effect
            log.error("keys file {} could not be read again ({}); the {} key(s) read before stay in force",
                    file.path(), e.getMessage(), keys.size());
            try {
                readModified = Files.getLastModifiedTime(file.path()); // reported once a change
                readSize = Files.size(file.path());
            } catch (IOException gone) {
                // reported again at the next look
            }
        }
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }
}
