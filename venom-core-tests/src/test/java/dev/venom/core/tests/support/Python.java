package dev.venom.core.tests.support;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The machine's {@code python3}, for the tests of the Python worker client: skipped with a clear message when
 * it is missing, except under {@code CI=true}, where it must run ({@code .ci/run} installs it).
 */
public final class Python {

    private static final Path PYTHON3 = Path.of("/usr/bin/python3");
    /** The Python client, as the repository keeps it. */
    public static final Path CLIENT_DIR = Path.of("../venom-core-http/clients/python");

    private Python() {
    }

    /** The interpreter's path; skips the test (or fails it under CI) when there is none. */
    public static String python3() {
        boolean installed = Files.isExecutable(PYTHON3);
        if (!installed && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + PYTHON3 + " is missing: .ci/run installs it with "
                    + "apt-get install python3");
        }
        Assumptions.assumeTrue(installed, "python3 is not installed; to test the Python worker client: "
                + "apt-get install python3");
        return PYTHON3.toString();
    }
}
