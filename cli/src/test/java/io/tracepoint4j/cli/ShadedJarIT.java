package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.tracer.Session;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar {@code ./tp view} runs ({@code java -jar cli/target/tracepoint4j-cli.jar view
 * DIR}), in a JVM of its own: it starts from its manifest with everything it needs inside, prints
 * UTF-8 whatever the locale, times of day in the time zone of {@code TZ}, and exits with the
 * statuses the in-process tests see. Runs after {@code package} (the pom's {@code shaded-jar}
 * execution).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class ShadedJarIT {
    /** The zone the forked view runs in: +05:30, so its times differ from UTC's. */
    private static final String ZONE = "Asia/Kolkata";
    /** A line of {@code view --seconds}: before the time, seconds, nanoseconds, after the time. */
    private static final Pattern EPOCH_LINE = Pattern.compile("(.*\\] )([0-9]+)\\.([0-9]{9})(: .*)");

    /** What the forked JVM did. */
    record Run(int status, List<String> out, String err) {}

    /** A tick. */
    public interface Tick {
        void tick(long seq);
    }

    static Run jar(String... args) throws IOException, InterruptedException {
        String jar = System.getProperty("tp.cliJar");
        assertThat(jar).as("system property tp.cliJar (set by cli/pom.xml)").isNotNull();
        assertThat(Path.of(jar)).as("the shaded jar; built by `package`").isRegularFile();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar);
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("TZ", ZONE);
        builder.environment().put("LC_ALL", "C"); // an ASCII locale: the output must still be UTF-8
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        String out = read(process.getInputStream());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the jar finished").isTrue();
        return new Run(process.exitValue(), out.lines().toList(), err.join());
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theJarViewsATraceInUtf8WithTimesOfDayInTheZoneOfTz(@TempDir Path dir) throws Exception {
        Tracepoint<Tick> tick = Tracepoint.define("jarit:tick", Tick.class, "seq");
        Path folder = dir.resolve("trace");
        Session session =
                Session.builder("jar").enable("jarit:*").output(folder).start();
        Thread thread = Thread.ofPlatform().name("wörker-é").start(() -> {
            for (int seq = 0; seq < 5; seq++) {
                tick.fire().tick(seq);
            }
        });
        thread.join();
        assertThat(session.stop().lost()).isZero();
        List<String> seconds = ViewTest.tp("view", "--seconds", folder).out();
        assertThat(seconds).hasSize(5);

        Run run = jar("view", folder.toString());

        assertThat(run.err()).isEmpty();
        assertThat(run.status()).isZero();
        assertThat(run.out()).hasSize(5);
        for (int i = 0; i < 5; i++) {
            Matcher m = EPOCH_LINE.matcher(seconds.get(i));
            assertThat(m.matches()).as(seconds.get(i)).isTrue();
            LocalTime local = LocalTime.ofInstant(Instant.ofEpochSecond(Long.parseLong(m.group(2))), ZoneId.of(ZONE));
            String time = String.format("%02d:%02d:%02d", local.getHour(), local.getMinute(), local.getSecond());
            assertThat(run.out().get(i)).isEqualTo(m.group(1) + time + "." + m.group(3) + m.group(4));
            assertThat(run.out().get(i)).startsWith("        wörker-é-" + thread.threadId() + " ");
        }
    }

    @Test
    void theJarsErrorsAndHelpExitAsDocumented(@TempDir Path dir) throws Exception {
        Run missing = jar("view", dir.resolve("missing").toString());
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.out()).isEmpty();
        assertThat(missing.err().lines()).singleElement().asString().startsWith("tp view: no such folder: ");

        Run usage = jar("view");
        assertThat(usage.status()).isEqualTo(2);
        assertThat(usage.err().lines())
                .singleElement()
                .asString()
                .startsWith("tp view: Missing required parameter: 'DIR'");

        Run help = jar("--help");
        assertThat(help.status()).isZero();
        assertThat(help.err()).isEmpty();
        assertThat(help.out()).contains("Usage: tp [-h] COMMAND");
    }

    /**
     * The jar brings the tracer it holds into a target that has tracepoints alone, as the version
     * in its manifest; a target of another version is refused at attach, naming the tp to use.
     */
    @Test
    void theJarBringsItsTracerIntoATargetOfItsVersionAndRefusesAnother(@TempDir Path dir) throws Exception {
        Process target = TargetProcesses.start(TargetProcesses.tracepointsAlone(), RecordTarget.class);
        try {
            assertThat(TargetProcesses.firstLine(target)).isEqualTo("ready firing");
            Run record = jar(
                    "record",
                    "--pid",
                    Long.toString(target.pid()),
                    "-e",
                    "rt:*",
                    "--duration",
                    "1",
                    "-o",
                    dir.resolve("trace").toString());
            assertThat(record.status()).as(record.err()).isZero();
            assertThat(record.out().getLast()).matches("events recorded: [1-9][0-9]*, lost: 0");
        } finally {
            assertThat(TargetProcesses.stop(target))
                    .as("what the target printed")
                    .isEmpty();
        }
        Process other = TargetProcesses.start(
                TargetProcesses.tracepointsAloneAsVersion("9.9.9", dir.resolve("tracepoint.jar")), RecordTarget.class);
        try {
            assertThat(TargetProcesses.firstLine(other)).isEqualTo("ready firing");
            Run list = jar("list", "--pid", Long.toString(other.pid()));
            assertThat(list.status()).isEqualTo(1);
            assertThat(list.err().lines())
                    .singleElement()
                    .asString()
                    .matches("tp list: PID " + other.pid() + " has tracepoint4j 9.9.9, and this tp is version \\S+:"
                            + " use the tp of version 9.9.9");
            assertThat(bootstrapRegistered(other.pid()))
                    .as("the refused attach left the target as it was: its Bootstrap MBean unregistered")
                    .isFalse();
        } finally {
            assertThat(TargetProcesses.stop(other))
                    .as("what the target printed")
                    .isEmpty();
        }
    }

    /** Whether {@code pid}'s platform MBean server holds tracepoint4j's Bootstrap MBean (through a local JMX agent). */
    private static boolean bootstrapRegistered(long pid) throws Exception {
        com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(Long.toString(pid));
        try (javax.management.remote.JMXConnector connector = javax.management.remote.JMXConnectorFactory.connect(
                new javax.management.remote.JMXServiceURL(vm.startLocalManagementAgent()))) {
            return connector
                    .getMBeanServerConnection()
                    .isRegistered(new javax.management.ObjectName("io.tracepoint4j:type=Bootstrap"));
        } finally {
            vm.detach();
        }
    }
}
