package dev.venom.core.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded audit trail: appended, numbered, paged newest first, rotated by size, never rewritten. */
class JsonLinesAuditTrailTest {

    @TempDir
    Path dir;

    private static AuditEntry entry(int i, String key, String action, String target) {
        return new AuditEntry(0, Instant.parse("2026-12-06T12:00:00Z").plusSeconds(i), key, key == null ? null : "write",
                "127.0.0.1", "POST", "/api/v1/tasks", action, target, 201, "node-a");
    }

    @Test
    void entriesAreInTheFileWhenRecordedAndPagedNewestFirst() throws Exception {
        Path path = dir.resolve("audit.log");
        try (JsonLinesAuditTrail trail = JsonLinesAuditTrail.open(path, 1 << 20)) {
            for (int i = 0; i < 5; i++) {
                trail.record(entry(i, i % 2 == 0 ? "ci" : null, i < 3 ? "task.create" : "task.cancel", "t-" + i));
            }
            // in the file at once, before any force: a crash of the process cannot lose it
            assertThat(Files.readAllLines(path)).hasSize(5);
            assertThat(Files.readAllLines(path).get(0)).contains("\"seq\":1", "\"key\":\"ci\"",
                    "\"action\":\"task.create\"", "\"at\":\"2026-12-06T12:00:00Z\"");

            assertThat(trail.page(new AuditQuery(null, 10, null, null, null))).extracting(AuditEntry::seq)
                    .containsExactly(5L, 4L, 3L, 2L, 1L);
            assertThat(trail.page(new AuditQuery(4L, 2, null, null, null))).extracting(AuditEntry::seq)
                    .containsExactly(3L, 2L);
            assertThat(trail.page(new AuditQuery(null, 10, "ci", "task.create", null))).extracting(AuditEntry::seq)
                    .containsExactly(3L, 1L);
            assertThat(trail.page(new AuditQuery(null, 10, null, null, "t-4"))).hasSize(1);
        }
    }

    @Test
    void everyFieldIsReadBackAsRecordedNullsAndEscapesIncluded() throws Exception {
        Path path = dir.resolve("audit.log");
        AuditEntry odd = new AuditEntry(0, Instant.parse("2026-12-06T12:00:00.123456789Z"), null, null, null,
                "DELETE", "/api/v1/schedules/\"nightly\"\n\u0001\t\u007f\u0142\u00f3d\u017a", "schedule.delete", "nightly \\ \u2603", 404, null);
        try (JsonLinesAuditTrail trail = JsonLinesAuditTrail.open(path, 1 << 20)) {
            trail.record(odd);

            assertThat(trail.page(new AuditQuery(null, 10, null, null, null))).containsExactly(odd.withSeq(1));
            ObjectMapper asBefore = JsonMapper.builder().addModule(new JavaTimeModule())
                    .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
            assertThat(Files.readAllLines(path, StandardCharsets.UTF_8)).singleElement().asString()
                    .isEqualTo(asBefore.writeValueAsString(odd.withSeq(1)))
                    .startsWith("{\"seq\":1,\"at\":\"2026-12-06T12:00:00.123456789Z\",\"key\":null,");
        }
    }

    @Test
    void textWithALoneSurrogateIsStillRecordedWithItAsAQuestionMark() throws Exception {
        Path path = dir.resolve("audit.log");
        try (JsonLinesAuditTrail trail = JsonLinesAuditTrail.open(path, 1 << 20)) {
            trail.record(entry(0, "ci", "task.cancel", "a\ud800b \ud83d\ude00 c\udc00"));

            assertThat(trail.page(new AuditQuery(null, 10, null, null, null))).singleElement()
                    .extracting(AuditEntry::target).isEqualTo("a?b \ud83d\ude00 c?");
        }
    }

    @Test
    void aReopenedTrailNumbersOnAndSkipsALineTornByACrash() throws Exception {
        Path path = dir.resolve("audit.log");
        try (JsonLinesAuditTrail trail = JsonLinesAuditTrail.open(path, 1 << 20)) {
            trail.record(entry(0, "ci", "task.create", "t-0"));
            trail.record(entry(1, "ci", "task.create", "t-1"));
        }
        Files.writeString(path, "{\"seq\":3,\"at\":\"2026-12", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND); // a write cut by kill -9

        try (JsonLinesAuditTrail trail = JsonLinesAuditTrail.open(path, 1 << 20)) {
            trail.record(entry(2, "ci", "task.cancel", "t-0"));
            List<AuditEntry> all = trail.page(new AuditQuery(null, 10, null, null, null));
            assertThat(all).extracting(AuditEntry::seq).containsExactly(3L, 2L, 1L);
        }
    }

    @Test
    void pastItsSizeTheFileIsRotatedNotRewrittenAndStillRead() throws Exception {
        Path path = dir.resolve("audit.log");
        try (JsonLinesAuditTrail trail = JsonLinesAuditTrail.open(path, 2048)) {
            for (int i = 0; i < 30; i++) {
                trail.record(entry(i, "ci", "task.create", "t-" + i));
            }
            String firstRotated = Files.readString(dir.resolve("audit.log.1"));
            trail.record(entry(30, "ci", "task.create", "t-30"));
            assertThat(Files.size(path)).isLessThanOrEqualTo(2048);
            assertThat(Files.exists(dir.resolve("audit.log.2"))).isTrue();
            assertThat(Files.readString(dir.resolve("audit.log.1")).equals(firstRotated)
                    || Files.readString(dir.resolve("audit.log.2")).equals(firstRotated))
                    .as("a rotated file is moved, never rewritten").isTrue();
            List<AuditEntry> recent = trail.page(new AuditQuery(null, 20, null, null, null));
            assertThat(recent).extracting(AuditEntry::seq).startsWith(31L, 30L, 29L).hasSize(20);
        }
    }
}
