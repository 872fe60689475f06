package dev.venom.core.persistence.internal;

import com.fasterxml.jackson.databind.ObjectReader;
import dev.venom.core.model.VenomTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * What reading a journal found: how many changes were applied, whether the last line was torn (a write
 * cut short by a crash, never acknowledged) and how many complete lines could not be read.
 *
 * @param applied    changes handed to the consumer
 * @param tornTail   the file ended in an incomplete line, which was skipped
 * @param badLines   complete lines that were not a readable task
 * @param validBytes the length of the file up to the end of its last complete line
 */
public record JournalReplay(int applied, boolean tornTail, int badLines, long validBytes) {

    /** Reads {@code journal} line by line, giving each readable task to {@code apply} in order. */
    public static JournalReplay read(Path journal, ObjectReader taskReader, Consumer<VenomTask> apply)
            throws IOException {
        if (!Files.exists(journal)) {
            return new JournalReplay(0, false, 0, 0);
        }
        byte[] bytes = Files.readAllBytes(journal);
        int applied = 0;
        int bad = 0;
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            if (i > start) {
                try {
                    apply.accept(taskReader.readValue(bytes, start, i - start));
                    applied++;
                } catch (IOException e) {
                    bad++;
                }
            }
            start = i + 1;
        }
        return new JournalReplay(applied, start < bytes.length, bad, start);
    }
}
