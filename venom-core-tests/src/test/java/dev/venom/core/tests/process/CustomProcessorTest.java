package dev.venom.core.tests.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.example.venom.UppercaseProcessor;
import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.engine.TaskProcessorProvider;
import dev.venom.core.tests.support.ServerProcess;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A processor from its own jar, put beside the unchanged server jar and chosen by {@code VENOM_PROCESSOR}:
 * what the README tells users to do, done with the README's example class.
 */
@Tag("process")
class CustomProcessorTest {

    private static final String START = "// README example: start";
    private static final String END = "// README example: end";
    private static final Path EXAMPLE = Path.of("src/test/java/com/example/venom/UppercaseProcessor.java");

    @TempDir
    Path dir;

    /** Packs the example's classes and its services entry into a jar of their own, as a user would. */
    private Path processorJar() throws IOException {
        Path classes = Path.of("target/test-classes/com/example/venom");
        Path jar = dir.resolve("uppercase-processor.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             var files = Files.list(classes)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("UppercaseProcessor")).toList()) {
                out.putNextEntry(new JarEntry("com/example/venom/" + file.getFileName()));
                out.write(Files.readAllBytes(file));
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("META-INF/services/" + TaskProcessorProvider.class.getName()));
            out.write((UppercaseProcessor.Provider.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    private List<String> serverWith(Path jar) {
        return List.of(ServerProcess.java(), "-Xmx256m", "-cp",
                ServerProcess.jar().toAbsolutePath() + File.pathSeparator + jar.toAbsolutePath(),
                "dev.venom.core.http.VenomServerMain", "--port", "0");
    }

    @Test
    void aProcessorJarOnTheClassPathIsChosenByName() throws Exception {
        Path jar = processorJar();

        try (ServerProcess server = ServerProcess.startCommand(serverWith(jar), dir,
                Map.of("VENOM_PROCESSOR", "uppercase", "UPPERCASE_PREFIX", ">> "))) {
            String id = server.http().create("make me loud");

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> "COMPLETED".equals(server.http().task(id).get("status").asText()));
            JsonNode done = server.http().task(id);
            assertThat(done.get("result").asText()).isEqualTo(">> MAKE ME LOUD");
            assertThat(done.get("logs")).extracting(JsonNode::asText)
                    .anyMatch(l -> l.startsWith("Upper-casing 12 characters - "));
            assertThat(server.log()).contains("processor: com.example.venom.UppercaseProcessor");
        }
    }

    @Test
    void anUnknownProcessorNameStopsTheServerListingTheKnownOnes() throws Exception {
        Path jar = processorJar();

        try (ServerProcess server = ServerProcess.launchCommand(serverWith(jar), dir, Map.of("VENOM_PROCESSOR", "nope"))) {
            assertThat(server.awaitExit()).isEqualTo(2);
            assertThat(server.log()).contains("VENOM_PROCESSOR 'nope' is unknown; available: simulated, http, uppercase");
        }
    }

    @Test
    void readmeShowsTheExampleVerbatim() throws Exception {
        String source = Files.readString(EXAMPLE);
        String example = source.substring(source.indexOf(START) + START.length(), source.indexOf(END));
        String readme = Files.readString(Path.of("../README.md"));

        assertThat(normalise(readme)).contains(normalise(example));
    }

    private static String normalise(String code) {
        return code.lines().map(String::strip).filter(line -> !line.isEmpty()).collect(Collectors.joining("\n"));
    }
}
