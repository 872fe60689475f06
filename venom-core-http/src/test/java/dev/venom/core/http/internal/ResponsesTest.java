package dev.venom.core.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.model.TaskResponse;
import dev.venom.core.model.TaskStatus;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ResponsesTest {

    @Test
    void theHandWrittenCreateAnswerIsExactlyTheModelsJson() throws Exception {
        for (TaskStatus status : TaskStatus.values()) {
            TaskResponse response = new TaskResponse(UUID.randomUUID(), status);

            assertThat(Responses.createdJson(response)).isEqualTo(new ObjectMapper().writeValueAsString(response));
        }
    }
}
