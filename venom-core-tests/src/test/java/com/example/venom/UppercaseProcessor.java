// README example: start
package com.example.venom;

import dev.venom.core.engine.TaskContext;
import dev.venom.core.engine.TaskProcessor;
import dev.venom.core.engine.TaskProcessorProvider;
import dev.venom.core.model.VenomTask;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A custom processor for the Venom server: upper-cases the content, after an optional prefix. */
public final class UppercaseProcessor implements TaskProcessor {

    private final String prefix;

    UppercaseProcessor(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public CompletionStage<String> process(VenomTask task, TaskContext ctx) {
        ctx.log("Upper-casing " + task.content().length() + " characters");
        return CompletableFuture.completedFuture(prefix + task.content().toUpperCase(Locale.ROOT));
    }

    /** Listed in META-INF/services/dev.venom.core.engine.TaskProcessorProvider. */
    public static final class Provider implements TaskProcessorProvider {

        @Override
        public String name() {
            return "uppercase"; // VENOM_PROCESSOR=uppercase
        }

        @Override
        public TaskProcessor create(Map<String, String> settings) {
            return new UppercaseProcessor(settings.getOrDefault("UPPERCASE_PREFIX", ""));
        }
    }
}
// README example: end
