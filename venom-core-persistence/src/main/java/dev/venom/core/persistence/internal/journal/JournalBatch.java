package dev.venom.core.persistence.internal.journal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.venom.core.model.VenomTask;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The journal line of tasks stored together ({@code StateStore.insertAll}): {@code {"batch":[{task}, ...]}},
 * each task as {@link TaskJson} writes one. One line, so a crash while it is written leaves a torn line that
 * replay drops: all of the batch is stored, or none.
 */
final class JournalBatch {

    private static final byte[] PREFIX = "{\"batch\":".getBytes(StandardCharsets.UTF_8);

    private JournalBatch() {
    }

    static void write(JsonGenerator json, List<VenomTask> tasks) throws IOException {
        json.writeStartObject();
        json.writeArrayFieldStart("batch");
        for (VenomTask task : tasks) {
            TaskJson.write(json, task);
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    static boolean isBatch(byte[] bytes, int offset, int length) {
        return length > PREFIX.length && Arrays.equals(bytes, offset, offset + PREFIX.length, PREFIX, 0, PREFIX.length);
    }

    /** The tasks of a batch line, read whole before any is used. */
    static List<VenomTask> read(byte[] bytes, int offset, int length, ObjectReader taskReader) throws IOException {
        try (JsonParser parser = taskReader.getFactory().createParser(bytes, offset, length)) {
            expect(parser.nextToken(), JsonToken.START_OBJECT);
            expect(parser.nextToken(), JsonToken.FIELD_NAME);
            expect(parser.nextToken(), JsonToken.START_ARRAY);
            List<VenomTask> tasks = new ArrayList<>();
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                tasks.add(taskReader.readValue(parser, VenomTask.class));
            }
            expect(parser.currentToken(), JsonToken.END_ARRAY);
            expect(parser.nextToken(), JsonToken.END_OBJECT);
            return tasks;
        }
    }

    private static void expect(JsonToken token, JsonToken expected) throws IOException {
        if (token != expected) {
            throw new IOException("not a batch line: " + token + " where " + expected + " belongs");
        }
    }
}
