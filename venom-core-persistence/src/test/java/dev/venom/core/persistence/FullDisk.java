package dev.venom.core.persistence;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link FileOpener} whose channels fail the way a real disk fills up: every write and force fails with
 * "No space left on device" while {@link #fill() full}; with {@link #leave(long) some room left} writes
 * succeed until that many bytes are used up; {@link #refuseFilesEndingWith files of one kind} can be refused
 * alone, or {@link #shortWritesTo take part of a write}; and {@link #failNextWrite} throws an {@link Error}
 * once, as a heap that runs out mid-write does. Works normally once {@link #free() freed}.
 */
public final class FullDisk implements FileOpener {

    private static final long UNLIMITED = Long.MAX_VALUE;

    private volatile boolean full;
    private final AtomicLong room = new AtomicLong(UNLIMITED);
    private volatile String refusedSuffix;
    private volatile String shortSuffix;
    private volatile String recordedSuffix;
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();
    private final AtomicReference<Error> nextWriteError = new AtomicReference<>();
    private final Queue<String> opened = new ConcurrentLinkedQueue<>();

    public void fill() {
        full = true;
    }

    public void free() {
        full = false;
        room.set(UNLIMITED);
        refusedSuffix = null;
        shortSuffix = null;
    }

    /** Leaves {@code bytes} of room: writes succeed until they are used up, then fail as on a full disk. */
    public void leave(long bytes) {
        full = false;
        room.set(bytes);
    }

    /** Refuses every write to files whose name ends with {@code suffix}, as if only they overflowed. */
    public void refuseFilesEndingWith(String suffix) {
        refusedSuffix = suffix;
    }

    /**
     * A write to a file whose name ends with {@code suffix} takes half of what it is given, and the next
     * write to it fails: a disk that fills up during a write answers the system call with fewer bytes.
     */
    public void shortWritesTo(String suffix) {
        shortSuffix = suffix;
    }

    /** Keeps a copy of every byte written to files whose name ends with {@code suffix}, for {@link #recorded}. */
    public void recordWritesTo(String suffix) {
        recordedSuffix = suffix;
    }

    /** What was written to the files {@link #recordWritesTo recorded}, in order, as UTF-8. */
    public String recorded() {
        synchronized (recorded) {
            return recorded.toString(StandardCharsets.UTF_8);
        }
    }

    /** The next write, to any file, throws {@code error} instead of writing. */
    public void failNextWrite(Error error) {
        nextWriteError.set(error);
    }

    /** How many files whose name ends with {@code suffix} have been opened so far. */
    public int openedEndingWith(String suffix) {
        return (int) opened.stream().filter(name -> name.endsWith(suffix)).count();
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        String name = path.getFileName().toString();
        opened.add(name);
        return new Channel(FileChannel.open(path, options), name);
    }

    private void check(String name, long bytes) throws IOException {
        Error error = nextWriteError.getAndSet(null);
        if (error != null) {
            throw error;
        }
        String refused = refusedSuffix;
        if (full || refused != null && name.endsWith(refused)) {
            throw new IOException("No space left on device");
        }
        long left;
        do {
            left = room.get();
            if (left == UNLIMITED) {
                return;
            }
            if (bytes > left) {
                throw new IOException("No space left on device");
            }
        } while (!room.compareAndSet(left, left - bytes));
    }

    private final class Channel extends FileChannel {
        private final FileChannel real;
        private final String name;
        private boolean shortened;

        Channel(FileChannel real, String name) {
            this.real = real;
            this.name = name;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            check(name, src.remaining());
            String shortened = shortSuffix;
            if (shortened != null && name.endsWith(shortened) && src.remaining() > 1) {
                if (this.shortened) {
                    throw new IOException("No space left on device");
                }
                this.shortened = true;
                ByteBuffer half = src.duplicate();
                half.limit(half.position() + half.remaining() / 2);
                int written = real.write(half);
                src.position(src.position() + written);
                return written;
            }
            String recording = recordedSuffix;
            if (recording != null && name.endsWith(recording)) {
                ByteBuffer copy = src.duplicate();
                int written = real.write(src);
                byte[] bytes = new byte[written];
                copy.get(bytes);
                synchronized (recorded) {
                    recorded.writeBytes(bytes);
                }
                return written;
            }
            return real.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long bytes = 0;
            for (int i = offset; i < offset + length; i++) {
                bytes += srcs[i].remaining();
            }
            check(name, bytes);
            return real.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            check(name, 0);
            real.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            check(name, count);
            return real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            check(name, src.remaining());
            return real.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return real.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
