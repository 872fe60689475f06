package dev.venom.core.persistence.internal.journal;

import com.fasterxml.jackson.databind.ObjectReader;
import dev.venom.core.model.VenomTask;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What reading a journal found: how many lines were applied, whether the last line was torn (a write
 * cut short by a crash, never acknowledged) and how many complete lines could not be read. The file is
 * streamed, so a journal larger than the heap can still be replayed.
 *
 * @param applied    lines handed to the sink
 * @param tornTail   the file ended in an incomplete line, which was skipped
 * @param badLines   complete lines that were neither a task nor a recovery marker
 * @param validBytes the length of the journal up to the end of its last complete line; what follows is a
 *                   torn line or the zeros written ahead (the first NUL byte ends the journal)
 */
public record JournalReplay(int applied, boolean tornTail, int badLines, long validBytes) {

    /** Receives the journal's lines in order. */
    public interface Sink {
        /** A task's full state after a change. */
        void task(VenomTask task);

        /** A restart returned every unfinished task to PENDING with {@code logLine}. */
        void recovered(String logLine);
    }

    /** Reads {@code journal} line by line into {@code sink}. */
    public static JournalReplay read(Path journal, ObjectReader taskReader, Sink sink) throws IOException {
        if (!Files.exists(journal)) {
            return new JournalReplay(0, false, 0, 0);
        }
        int applied = 0;
        int bad = 0;
        long consumed = 0;
        byte[] buffer = new byte[1 << 20];
        int length = 0;
        boolean ended = false;
        try (InputStream in = Files.newInputStream(journal)) {
            for (int read; !ended && (read = in.read(buffer, length, buffer.length - length)) > 0; ) {
                int scanFrom = length;
                length += read;
                int start = 0;
                for (int i = scanFrom; i < length; i++) {
                    if (buffer[i] == 0) {
                        // JSON never holds a raw NUL: this is the space written ahead, where the journal ends.
                        ended = true;
                        length = i;
                        break;
                    }
                    if (buffer[i] != '\n') {
                        continue;
                    }
                    if (i > start) {
                        if (apply(buffer, start, i - start, taskReader, sink)) {
                            applied++;
                        } else {
                            bad++;
                        }
                    }
                    start = i + 1;
                }
                System.arraycopy(buffer, start, buffer, 0, length - start);
                consumed += start;
                length -= start;
                if (length == buffer.length) {
                    buffer = Arrays.copyOf(buffer, buffer.length * 2);
                }
            }
        }
        return new JournalReplay(applied, length > 0, bad, consumed);
    }

    private static boolean apply(byte[] bytes, int offset, int length, ObjectReader taskReader, Sink sink) {
        try {
            if (JournalMarker.isMarker(bytes, offset, length)) {
                sink.recovered(JournalMarker.logLine(new String(bytes, offset, length, StandardCharsets.UTF_8)));
            } else if (JournalBatch.isBatch(bytes, offset, length)) {
                JournalBatch.read(bytes, offset, length, taskReader).forEach(sink::task);
            } else {
                sink.task(taskReader.readValue(bytes, offset, length));
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
