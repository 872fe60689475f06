package dev.venom.core.persistence.internal.journal;

import dev.venom.core.persistence.FileOpener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;

/**
 * A small file beside the state file ({@code state_dump.json.<suffix>}) for what the snapshot's original
 * format has no room for: rewritten whole and atomically (temp file, fsync, rename, directory fsync) on each
 * change, which is rare; one that cannot be read is moved aside ({@code *.corrupt-<time>}), never overwritten.
 */
final class SideFile {

    private final Path path;
    private final Clock clock;
    private final FileOpener opener;

    SideFile(Path stateFile, String suffix, Clock clock, FileOpener opener) {
        this.path = stateFile.resolveSibling(stateFile.getFileName() + "." + suffix);
        this.clock = clock;
        this.opener = opener;
    }

    Path path() {
        return path;
    }

    boolean exists() {
        return Files.exists(path);
    }

    /**
     * Replaces the file's content by {@code bytes}, durably, or leaves it as it was: a write the disk takes
     * only part of (it is full) fails, and the temp file goes.
     */
    void write(byte[] bytes) throws IOException {
        Path temp = path.resolveSibling(path.getFileName() + ".tmp");
        try {
            try (FileChannel channel = opener.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        SnapshotFile.forceDirectory(path.toAbsolutePath().getParent());
    }

    /** Moves the unreadable file aside, beside any moved aside before; returns where it went. */
    Path moveAside() throws IOException {
        Path aside = StateLoader.asideName(path, clock);
        Files.move(path, aside);
        return aside;
    }
}
