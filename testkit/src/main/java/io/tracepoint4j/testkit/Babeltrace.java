package io.tracepoint4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs babeltrace2, the judge of the CTF traces this project writes (docs/STYLE.md rule 11). A
 * missing babeltrace2 fails the test, naming the package to install: the CTF tests never pass
 * without it.
 * Times print in UTC (TZ=UTC), so expected lines do not depend on the machine's time zone.
 */
public final class Babeltrace {
    /** What one run printed. */
    public record Run(int exitCode, List<String> stdout, String stderr) {
        /** Asserts exit code 0 and an empty stderr (a warning counts as a failure). */
        public Run clean() {
            assertThat(stderr).as("babeltrace2's stderr").isEmpty();
            assertThat(exitCode)
                    .as("babeltrace2's exit code; stderr:%n%s", stderr)
                    .isZero();
            return this;
        }
    }

    private Babeltrace() {}

    /** {@code babeltrace2 ARGS...}: the arguments are trace folders, or options then folders. */
    public static Run run(Object... args) {
        return runCommand("babeltrace2", args);
    }

    /** {@code EXECUTABLE ARGS...}; BabeltraceMissingTest runs one that does not exist. */
    public static Run runCommand(String executable, Object... args) {
        List<String> command = new ArrayList<>();
        command.add(executable);
        for (Object arg : args) {
            command.add(arg instanceof Path path ? path.toAbsolutePath().toString() : arg.toString());
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("TZ", "UTC");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new AssertionError(
                    executable + " could not be run (" + e.getMessage()
                            + "). The CTF tests need babeltrace2 as the judge of"
                            + " the traces they write: install it (Debian/Ubuntu: sudo apt-get install babeltrace2;"
                            + " .ci/run does it in CI)",
                    e);
        }
        try {
            process.getOutputStream().close();
            CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> drain(process.getInputStream()));
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()));
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("babeltrace2 %s ran longer than 60 s", command);
            }
            String out = stdout.get(10, TimeUnit.SECONDS);
            List<String> lines = out.isEmpty() ? List.of() : Arrays.asList(out.split("\n", -1));
            if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
                lines = lines.subList(0, lines.size() - 1);
            }
            return new Run(process.exitValue(), List.copyOf(lines), stderr.get(10, TimeUnit.SECONDS));
        } catch (Exception e) {
            process.destroyForcibly();
            throw new AssertionError("running " + command + " failed", e);
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
