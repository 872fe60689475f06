package dev.venom.core.http.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * One entry of a 422 answer, as FastAPI (pydantic v2) writes it:
 * {@code {"type": "missing", "loc": ["body", "content"], "msg": "Field required", "input": {}}}.
 *
 * @param type  pydantic's error type ({@code missing}, {@code string_type}, {@code json_invalid}, ...)
 * @param loc   where: {@code ["body", ...]} or {@code ["path", "task_id"]}
 * @param msg   the human-readable message
 * @param input the value that was rejected (JSON {@code null} included)
 * @param ctx   extra context, omitted when empty
 */
@JsonPropertyOrder({"type", "loc", "msg", "input", "ctx"})
public record ValidationError(String type, List<Object> loc, String msg,
                              @JsonInclude(JsonInclude.Include.ALWAYS) Object input,
                              @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Object> ctx) {

    public ValidationError(String type, List<Object> loc, String msg, Object input) {
        this(type, loc, msg, input, Map.of());
    }
}
