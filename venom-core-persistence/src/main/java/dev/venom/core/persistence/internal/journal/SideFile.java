package dev.venom.core.persistence.internal.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A small file beside the state file ({@code state_dump.json.<suffix>}) for what the snapshot's original
 * format has no room for: rewritten whole and atomically (temp file, fsync, rename, directory fsync) on each
 * change, which is rare; one that cannot be read is moved aside ({@code *.corrupt-<time>}), never overwritten.
 */
final class SideFile {

    private static final DateTimeFormatter ASIDE_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

    private final Path path;
    private final Clock clock;

    SideFile(Path stateFile, String suffix, Clock clock) {
        this.path = stateFile.resolveSibling(stateFile.getFileName() + "." + suffix);
        this.clock = clock;
    }

    Path path() {
        return path;
    }

    boolean exists() {
        return Files.exists(path);
    }

    /** Replaces the file's content by {@code bytes}, durably. */
    void write(byte[] bytes) throws IOException {
        Path temp = path.resolveSibling(path.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap(bytes));
            channel.force(true);
        }
        Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        SnapshotFile.forceDirectory(path.toAbsolutePath().getParent());
    }

    /** Moves the unreadable file aside; returns where it went. */
    Path moveAside() throws IOException {
        Path aside = path.resolveSibling(path.getFileName() + ".corrupt-" + ASIDE_TIME.format(clock.instant()));
        Files.move(path, aside, StandardCopyOption.REPLACE_EXISTING);
        return aside;
    }
}
