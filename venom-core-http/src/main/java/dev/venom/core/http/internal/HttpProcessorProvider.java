package dev.venom.core.http.internal;

import dev.venom.core.engine.TaskProcessor;
import dev.venom.core.engine.TaskProcessorProvider;
import dev.venom.core.http.HttpTaskProcessor;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/** {@code VENOM_PROCESSOR=http}: POSTs each task to {@code VENOM_PROCESSOR_URL}. */
public final class HttpProcessorProvider implements TaskProcessorProvider {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    @Override
    public String name() {
        return "http";
    }

    @Override
    public TaskProcessor create(Map<String, String> settings) {
        String url = settings.getOrDefault("VENOM_PROCESSOR_URL", "").trim();
        if (url.isEmpty()) {
            throw new IllegalArgumentException("VENOM_PROCESSOR_URL is required: the address each task is POSTed to");
        }
        return new HttpTaskProcessor(URI.create(url),
                Duration.ofMillis(ProcessorSettings.millis(settings, "VENOM_PROCESSOR_TIMEOUT_MS", DEFAULT_TIMEOUT)),
                ApiJson.mapper());
    }
}
