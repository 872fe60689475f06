package dev.venom.core.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * What a client asks to run: {@code {"content": "..."}}. Any string is valid content, the empty one too.
 *
 * @param content the task's input, passed to the processor as is
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TaskRequest(@JsonProperty("content") String content) {

    public TaskRequest {
        Objects.requireNonNull(content, "content");
    }
}
