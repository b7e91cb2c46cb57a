package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * tp as a user runs it, in a process of its own: Ctrl-C ends a command with its results printed,
 * tools attaching to one JVM at once take turns, and a target started without any flag prints
 * nothing when attached to. All three were broken, found by a black-box review.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class InterruptTest {
    /** Starts {@code tp ARGS} in a JVM of its own, its stderr merged into its stdout. */
    private static Process tp(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                TargetProcesses.java(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Tp.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String rest(Process process) throws Exception {
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the tool ends").isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /**
     * Ctrl-C (SIGINT) on tp stat with no duration: it stops counting and prints the counts, as perf
     * stat does, and exits 130. It used to print nothing after its first line, since the JVM's exit
     * did not wait for the command to finish.
     */
    @Test
    void ctrlCEndsStatWithItsCountsPrinted() throws Exception {
        Process target = TargetProcesses.start(RecordTarget.class);
        try {
            TargetProcesses.firstLine(target);
            Process tool = tp("stat", "--pid", Long.toString(target.pid()), "-e", "rt:*");
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(tool.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).startsWith("counting rt:* in PID " + target.pid());
            Thread.sleep(1500);
            new ProcessBuilder("kill", "-INT", Long.toString(tool.pid()))
                    .start()
                    .waitFor();
            String rest = rest(tool);
            assertThat(tool.exitValue()).as(rest).isEqualTo(130);
            assertThat(rest).contains("counted", "rt:request").containsPattern("\\d\\.\\d{3} seconds");
        } finally {
            TargetProcesses.stop(target);
        }
    }

    /**
     * SIGTERM to tp stat running a command it started (-- java ...): it prints its counts, exits
     * 143, and stops the command too, as perf stat does. The command used to run on, orphaned on
     * the terminal (Ctrl-C reaches it through the terminal's process group; TERM to tp did not).
     * Its first line says how many tracepoints the command had defined when counting began, not
     * that it has only those.
     */
    @Test
    void termOnStatStopsTheCommandItStarted() throws Exception {
        Process tool = tp(
                "stat",
                "-e",
                "rt:*",
                "--",
                TargetProcesses.java(),
                "-cp",
                System.getProperty("java.class.path"),
                RecordTarget.class.getName());
        BufferedReader out = new BufferedReader(new InputStreamReader(tool.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("counting rt:* in PID ")) {
            // the command's own lines (it runs on tp's terminal)
        }
        assertThat(line)
                .as("tp stat's first line: at the command's first tracepoint, the others not defined yet")
                .endsWith("(1 tracepoint defined so far; those defined later are counted), Ctrl-C stops");
        long command = Long.parseLong(line.replaceFirst("counting rt:\\* in PID (\\d+).*", "$1"));
        try {
            Thread.sleep(1500);
            new ProcessBuilder("kill", "-TERM", Long.toString(tool.pid()))
                    .start()
                    .waitFor();
            java.util.Optional<ProcessHandle> left = ProcessHandle.of(command);
            assertThat(left.isEmpty() || left.get().onExit().get(10, TimeUnit.SECONDS) != null)
                    .as("the command tp started ends with it, within 10 s")
                    .isTrue();
            String rest = rest(tool);
            assertThat(tool.exitValue()).as(rest).isEqualTo(143);
            assertThat(rest).contains("rt:request");
        } finally {
            ProcessHandle.of(command).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Three tools attaching to one JVM at the same moment all get through: they take turns for the
     * attach, while one JMX agent runs in the target. Two of them used to fail, finding the first
     * one's agent started.
     */
    @Test
    void toolsAttachingAtOnceTakeTurns(@TempDir Path dir) throws Exception {
        Process target = TargetProcesses.start(RecordTarget.class);
        try {
            TargetProcesses.firstLine(target);
            String pid = Long.toString(target.pid());
            Process stat = tp("stat", "--pid", pid, "-e", "rt:*", "--duration", "1");
            Process hist = tp("hist", "--pid", pid, "-e", "rt:request", "--field", "id", "--duration", "1");
            Process record = tp(
                    "record",
                    "--pid",
                    pid,
                    "-e",
                    "rt:*",
                    "--duration",
                    "1",
                    "-o",
                    dir.resolve("t").toString());
            String statOut = rest(stat);
            String histOut = rest(hist);
            String recordOut = rest(record);
            assertThat(stat.exitValue()).as(statOut).isZero();
            assertThat(hist.exitValue()).as(histOut).isZero();
            assertThat(record.exitValue()).as(recordOut).isZero();
            assertThat(recordOut).contains("events recorded: ");
        } finally {
            TargetProcesses.stop(target);
        }
    }

    /**
     * A target started with no flag at all (no --enable-native-access), which never registered a
     * probe: attaching and counting make it print nothing. The first probe used to choose the
     * membarrier read side, whose FFM call made the JDK print its restricted-method warning on the
     * target's console.
     */
    @Test
    void aTargetWithoutNativeAccessPrintsNothingWhenAttached() throws Exception {
        Process target = new ProcessBuilder(
                        TargetProcesses.java(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        RecordTarget.class.getName())
                .redirectErrorStream(true)
                .start();
        String printed;
        try {
            assertThat(TargetProcesses.firstLine(target)).startsWith("ready");
            Process stat = tp("stat", "--pid", Long.toString(target.pid()), "-e", "rt:*", "--duration", "1");
            String statOut = rest(stat);
            assertThat(stat.exitValue()).as(statOut).isZero();
            assertThat(statOut).contains("rt:request");
        } finally {
            printed = TargetProcesses.stop(target);
        }
        assertThat(printed).as("what the target printed after ready").isEmpty();
    }
}
