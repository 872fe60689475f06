package dev.venom.core.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.engine.TaskCursor;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RequestParsingTest {

    private final RequestParsing parsing = new RequestParsing(new ObjectMapper());

    private RequestParsing.Parsed<?> body(String json) {
        return parsing.taskRequest(null, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void stringContentIsAcceptedWhateverElseTheObjectHolds() {
        RequestParsing.Parsed<?> parsed = body("{\"content\":\"a\",\"extra\":{\"deep\":[1]}}");

        assertThat(parsed.isValid()).isTrue();
        assertThat(parsed.value()).hasFieldOrPropertyWithValue("content", "a");
    }

    @Test
    void malformedJsonReportsWhereItBroke() {
        ValidationError error = body("{\"content\": \"a\",}").errors().get(0);

        assertThat(error.type()).isEqualTo("json_invalid");
        assertThat(error.loc()).containsExactly("body", 16L);
        assertThat(error.ctx()).containsKey("error");
    }

    @Test
    void deeplyNestedInputIsAValidationErrorNotACrash() {
        String deep = "[".repeat(5000) + "]".repeat(5000);

        assertThat(body(deep).errors()).singleElement()
                .satisfies(error -> assertThat(error.type()).isIn("json_invalid", "model_attributes_type"));
    }

    @Test
    void taskIdsAreReadAsPydanticReadsThem() {
        UUID id = UUID.fromString("3fa85f64-5717-4562-b3fc-2c963f66afa6");

        assertThat(RequestParsing.taskId("3fa85f64-5717-4562-b3fc-2c963f66afa6").value()).isEqualTo(id);
        assertThat(RequestParsing.taskId("3FA85F64-5717-4562-B3FC-2C963F66AFA6").value()).isEqualTo(id);
        assertThat(RequestParsing.taskId("3fa85f6457174562b3fc2c963f66afa6").value()).isEqualTo(id);
        assertThat(RequestParsing.taskId("1-1-1-1-1").errors()).singleElement()
                .satisfies(error -> assertThat(error.msg()).contains("invalid length"));
        assertThat(RequestParsing.taskId("3fa85f64-5717-4562-b3fc-2c963f66afaz").errors()).singleElement()
                .satisfies(error -> assertThat(error.msg()).contains("found `z` at 36"));
    }

    @Test
    void optionsAreReadAndStringOrWholeFloatIntegersAcceptedAsPydanticDoes() {
        RequestParsing.Parsed<?> parsed = body("{\"content\":\"a\",\"priority\":\"7\",\"max_attempts\":3.0,"
                + "\"run_at\":\"2026-11-27T10:00:00+01:00\",\"timeout_ms\":1500}");

        assertThat(parsed.isValid()).isTrue();
        TaskRequest request = (TaskRequest) parsed.value();
        assertThat(request.priority()).isEqualTo(7);
        assertThat(request.maxAttempts()).isEqualTo(3);
        assertThat(request.runAt()).isEqualTo(Instant.parse("2026-11-27T09:00:00Z"));
        assertThat(request.timeoutMs()).isEqualTo(1500L);
        assertThat(((TaskRequest) body("{\"content\":\"a\",\"priority\":null}").value()).priority()).isNull();
    }

    @Test
    void everyBadFieldIsReportedAtOnceWithItsLoc() {
        List<ValidationError> errors = body("{\"priority\":12,\"max_attempts\":0,\"run_at\":\"tomorrow\","
                + "\"timeout_ms\":1.5}").errors();

        assertThat(errors).extracting(ValidationError::loc).containsExactly(List.of("body", "content"),
                List.of("body", "priority"), List.of("body", "max_attempts"), List.of("body", "timeout_ms"),
                List.of("body", "run_at"));
        assertThat(errors).extracting(ValidationError::type).containsExactly("missing", "less_than_equal",
                "greater_than_equal", "int_from_float", "datetime_parsing");
        assertThat(errors.get(1).msg()).isEqualTo("Input should be less than or equal to 9");
        assertThat(errors.get(1).ctx()).containsEntry("le", 9L);
        assertThat(body("{\"content\":\"a\",\"priority\":true}").errors()).singleElement()
                .satisfies(e -> assertThat(e.type()).isEqualTo("int_type"));
        assertThat(body("{\"content\":\"a\",\"run_at\":\"10000-01-01T00:00:00Z\"}").errors()).singleElement()
                .satisfies(e -> assertThat(e.loc()).containsExactly("body", "run_at"));
    }

    @Test
    void listQueryTakesStatusesLimitAndCursor() {
        String cursor = new TaskCursor(Instant.parse("2026-11-27T10:00:00Z"), UUID.randomUUID()).encode();

        RequestParsing.Parsed<RequestParsing.ListQuery> parsed = RequestParsing.listQuery(Map.of(
                "status", new ArrayDeque<>(List.of("pending,FAILED", "Cancelled")),
                "limit", new ArrayDeque<>(List.of("10")), "cursor", new ArrayDeque<>(List.of(cursor))));

        assertThat(parsed.value().statuses())
                .containsExactlyInAnyOrder(TaskStatus.PENDING, TaskStatus.FAILED, TaskStatus.CANCELLED);
        assertThat(parsed.value().limit()).contains(10);
        assertThat(parsed.value().cursor()).contains(cursor);
        assertThat(RequestParsing.listQuery(Map.of()).value().limit()).isEmpty();
    }

    @Test
    void badListParametersAre422sNamingTheParameter() {
        List<ValidationError> errors = RequestParsing.listQuery(Map.of(
                "status", new ArrayDeque<>(List.of("DONE")), "limit", new ArrayDeque<>(List.of("1001")),
                "cursor", new ArrayDeque<>(List.of("xyz")))).errors();

        assertThat(errors).extracting(ValidationError::loc).containsExactly(List.of("query", "status"),
                List.of("query", "limit"), List.of("query", "cursor"));
        assertThat(errors.get(0).msg())
                .isEqualTo("Input should be 'PENDING', 'PROCESSING', 'COMPLETED', 'FAILED' or 'CANCELLED'");
        assertThat(RequestParsing.listQuery(Map.of("limit", new ArrayDeque<>(List.of("0")))).errors())
                .singleElement().satisfies(e -> assertThat(e.type()).isEqualTo("greater_than_equal"));
        assertThat(RequestParsing.listQuery(Map.of("limit", new ArrayDeque<>(List.of("ten")))).errors())
                .singleElement().satisfies(e -> assertThat(e.type()).isEqualTo("int_parsing"));
    }

    @Test
    void idempotencyKeysArePrintableAsciiUpTo255Characters() {
        assertThat(RequestParsing.idempotencyKey("order-42 / retry").isValid()).isTrue();
        assertThat(RequestParsing.idempotencyKey("k".repeat(256)).errors()).singleElement()
                .satisfies(e -> assertThat(e.loc()).containsExactly("header", "idempotency-key"));
        assertThat(RequestParsing.idempotencyKey("zażółć").isValid()).isFalse();
    }
}
