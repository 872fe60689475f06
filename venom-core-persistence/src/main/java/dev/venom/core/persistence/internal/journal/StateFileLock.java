package dev.venom.core.persistence.internal.journal;

import dev.venom.core.engine.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One process per state file: an exclusive lock on {@code <state file>.lock}, held from open to close. A
 * second process (or a second store in this one) fails to open with a message that says what to do.
 */
public final class StateFileLock implements AutoCloseable {

    private final Path lockPath;
    private final FileChannel channel;
    private final FileLock lock;

    private StateFileLock(Path lockPath, FileChannel channel, FileLock lock) {
        this.lockPath = lockPath;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates the state file's directory if needed and takes its lock.
     *
     * @throws StoreException if the directory cannot be used or another process holds the lock
     */
    public static StateFileLock acquire(Path stateFile) {
        Path dir = stateFile.getParent();
        if (Files.isDirectory(stateFile)) {
            throw new StoreException("state file " + stateFile + " is a directory; point STATE_FILE_PATH at a file");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException("cannot create state directory " + dir + ": " + e, e);
        }
        Path lockPath = stateFile.resolveSibling(stateFile.getFileName() + ".lock");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                throw new StoreException("state file " + stateFile + " is in use by another Venom process (lock "
                        + lockPath + " is held); stop it or set STATE_FILE_PATH to another file");
            }
            return new StateFileLock(lockPath, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new StoreException("cannot open state file " + stateFile + ": " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** Releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    @Override
    public String toString() {
        return lockPath.toString();
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the open failure is what matters
            }
        }
    }
}
