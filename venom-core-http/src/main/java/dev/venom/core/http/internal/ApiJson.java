package dev.venom.core.http.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The JSON mapping of the server's answers, events and state files: one configuration. */
public final class ApiJson {

    private ApiJson() {
    }

    /** A new mapper with that configuration. */
    public static ObjectMapper mapper() {
        return JsonMapper.builder().addModule(new JavaTimeModule()).build();
    }
}
