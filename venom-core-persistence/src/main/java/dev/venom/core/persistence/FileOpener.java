package dev.venom.core.persistence;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * How the store opens the files it writes (journal, snapshot). The default is {@link FileChannel#open};
 * tests put a channel in its place that fails like a full disk.
 */
@FunctionalInterface
public interface FileOpener {

    /** The default: the file system's own channel. */
    FileOpener DEFAULT = FileChannel::open;

    /** Opens {@code path} as {@link FileChannel#open(Path, OpenOption...)} does. */
    FileChannel open(Path path, OpenOption... options) throws IOException;
}
