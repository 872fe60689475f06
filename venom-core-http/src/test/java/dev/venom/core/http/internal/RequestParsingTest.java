package dev.venom.core.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
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
}
