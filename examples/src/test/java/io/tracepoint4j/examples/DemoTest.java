package io.tracepoint4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.testkit.Babeltrace;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The demos are CI-compiled documentation: they must run and every check they make must hold. */
class DemoTest {

    /** The tracing demo's last line, which other tools read, and babeltrace2 prints exactly N events. */
    @Test
    @Timeout(120)
    void theTracingDemoRecordsATraceThatBabeltracePrintsEventForEvent(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Path folder = dir.resolve("trace");

        TracingDemo.Result result = TracingDemo.run(out, folder, Duration.ofSeconds(1));

        String printed = bytes.toString(StandardCharsets.UTF_8);
        List<String> lines = printed.lines().toList();
        assertThat(lines.getLast())
                .as(printed)
                .isEqualTo("events recorded: " + result.recorded() + ", lost: " + result.lost());
        assertThat(printed).contains("web:request", "db:query", "fs:read", "open it with: babeltrace2 ");
        assertThat(result.recorded()).isPositive();
        Babeltrace.Run run = Babeltrace.run(folder);
        assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isZero();
        assertThat(run.stdout()).as("babeltrace2 prints every recorded event").hasSize((int) result.recorded());
        if (result.lost() == 0) {
            assertThat(run.stderr()).isEmpty();
        }
    }

    /**
     * {@code ./tp demo --serve SECONDS}, a live target for the control commands: a JVM of its own
     * whose first line is its PID alone, serving with no session of its own, that ends by itself after SECONDS.
     */
    @Test
    @Timeout(60)
    void theServingDemoPrintsItsPidFirstAndEndsByItself() throws Exception {
        String javaCommand =
                Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process target = new ProcessBuilder(
                        javaCommand, "-cp", System.getProperty("java.class.path"), Demo.class.getName(), "--serve", "1")
                .redirectErrorStream(true)
                .start();
        try (var lines = new java.io.BufferedReader(
                new java.io.InputStreamReader(target.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(lines.readLine()).isEqualTo(Long.toString(target.pid()));
            String rest = lines.lines().collect(java.util.stream.Collectors.joining("\n"));
            assertThat(target.waitFor()).as(rest).isZero();
            assertThat(rest)
                    .contains(
                            "serving for 1 s",
                            "no session of its own: trace it with ./tp record --pid " + target.pid(),
                            "served for 1 s");
        } finally {
            target.destroyForcibly();
        }
    }

    /**
     * {@code ./tp demo --serve SECONDS --flight-recorder}: the serving demo keeps a flight
     * recorder for tp snapshot, says so, and at its end writes what the recorder holds, a trace
     * babeltrace2 reads, to tracepoint4j-flight-PID in its working folder.
     */
    @Test
    @Timeout(60)
    void theServingDemoKeepsAFlightRecorderWhenAsked(@TempDir Path dir) throws Exception {
        Process target = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        Demo.class.getName(),
                        "--serve",
                        "1",
                        "--flight-recorder")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            String output = new String(target.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(target.waitFor()).as(output).isZero();
            Path folder = dir.resolve("tracepoint4j-flight-" + target.pid()).toAbsolutePath();
            assertThat(output)
                    .contains("serving for 1 s")
                    .contains("a flight recorder keeps the newest events: ./tp snapshot --pid " + target.pid())
                    .contains("at the end they go to " + folder);
            long events;
            try (io.tracepoint4j.ctf.CtfReader reader = io.tracepoint4j.ctf.CtfReader.open(folder)) {
                events = reader.events().stream()
                        .filter(e -> e.name().startsWith("web:"))
                        .count();
            }
            assertThat(events)
                    .as("web:* events the flight recorder held at the end")
                    .isPositive();
            Babeltrace.Run run = Babeltrace.run(folder);
            assertThat(run.exitCode())
                    .as("babeltrace2 reads it: %s", run.stderr())
                    .isZero();
            assertThat(run.stdout()).anyMatch(line -> line.contains("web:request"));
        } finally {
            target.destroyForcibly();
        }
    }

    /** ./tp demo jfr: every firing of the bridged tracepoints is in the JFR file, read back. */
    @Test
    @Timeout(60)
    void theJfrDemoWritesEveryFiringAsAJfrEvent(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        var perType = JfrBridgeDemo.run(out, dir.resolve("demo.jfr"));
        assertThat(perType)
                .containsEntry("tracepoint4j.web.request", (long) JfrBridgeDemo.REQUESTS)
                .containsEntry("tracepoint4j.db.query", (long) JfrBridgeDemo.REQUESTS);
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList().getLast())
                .isEqualTo("jfr events: " + 2 * JfrBridgeDemo.REQUESTS);
    }

    @Test
    @Timeout(60)
    void demoRunsCleanly() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        var failures = GracePeriodDemo.run(out, Duration.ofMillis(300));

        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(failures).as(printed).isEmpty();
        assertThat(printed).contains("read-side barrier: ", "Summary: ", "OK: ");
    }

    @Test
    @Timeout(30)
    void aBlockedReaderInOneDomainDoesNotDelayAnother() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        var failures = IndependentDomains.run(out);

        assertThat(failures).as(bytes.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    /**
     * Bad arguments and unwritable outputs end the demo with one line naming what is wrong, never a
     * stack trace: status 2 for a usage error, 1 for a file that cannot be written; --help prints
     * the usage.
     */
    @Test
    @Timeout(120)
    void badArgumentsAndUnwritableOutputsAreOneLineEach(@TempDir Path dir) throws Exception {
        Path used = java.nio.file.Files.createDirectories(dir.resolve("used"));
        java.nio.file.Files.writeString(used.resolve("metadata"), "not empty");
        String usage = ". Usage: tp " + Demo.USAGE;

        assertThat(demo("--seconds", "abc"))
                .isEqualTo(new Ended(2, "tp demo: --seconds abc: give whole seconds, 0 to 9999" + usage));
        assertThat(demo("--seconds", "-1"))
                .isEqualTo(new Ended(2, "tp demo: --seconds -1: give whole seconds, 0 to 9999" + usage));
        assertThat(demo("--serve")).isEqualTo(new Ended(2, "tp demo: --serve needs a number of seconds" + usage));
        assertThat(demo("--out")).isEqualTo(new Ended(2, "tp demo: --out needs a folder" + usage));
        assertThat(demo("--bogus")).isEqualTo(new Ended(2, "tp demo: unknown argument '--bogus'" + usage));
        assertThat(demo("rcu", "--run-millis", "x"))
                .isEqualTo(new Ended(2, "tp demo: --run-millis x: give whole milliseconds, 0 to 999999" + usage));
        assertThat(demo("jfr", "a.jfr", "b.jfr"))
                .isEqualTo(new Ended(2, "tp demo: demo jfr takes one FILE, not 'a.jfr b.jfr'" + usage));
        assertThat(demo("--help")).isEqualTo(new Ended(0, ""));

        Ended existing = demo("--out", used.toString());
        assertThat(existing.status()).isEqualTo(1);
        assertThat(existing.err())
                .startsWith("tp demo: cannot create a trace in " + used)
                .doesNotContain("\n");
        Path nowhere = dir.resolve("no-such-folder").resolve("demo.jfr");
        assertThat(demo("jfr", nowhere.toString()))
                .isEqualTo(new Ended(1, "tp demo: cannot write " + nowhere + ": no such file or folder"));
        assertThat(demo("jfr", dir.toString()))
                .as("refused before the demo runs")
                .isEqualTo(new Ended(1, "tp demo: cannot write " + dir + ": a folder is there"));
    }

    /** How a demo run ended: its exit status and what it printed on stderr, stripped. */
    record Ended(int status, String err) {}

    private static Ended demo(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Demo.class.getName()));
        command.addAll(List.of(args));
        Process demo = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String err = new String(demo.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Ended(demo.waitFor(), err.strip());
    }
}
