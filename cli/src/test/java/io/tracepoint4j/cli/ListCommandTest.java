package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code tp list --pid PID}: a real JVM, started with no flag, is attached to and lists its
 * tracepoints; it prints nothing because of it, and its JMX agent is stopped afterwards. The
 * refusals are one line each.
 */
@Timeout(120)
class ListCommandTest {
    private static Process target;
    private static BufferedReader targetOutput;

    @BeforeAll
    static void startTarget() throws Exception {
        target = TargetProcesses.start(ListTarget.class);
        targetOutput = new BufferedReader(new InputStreamReader(target.getInputStream(), StandardCharsets.UTF_8));
        assertThat(targetOutput.readLine()).isEqualTo("ready");
    }

    @AfterAll
    static void stopTarget() throws Exception {
        target.getOutputStream().close(); // ListTarget ends when its stdin closes
        assertThat(target.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String rest = new String(target.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(rest).as("what the target printed after 'ready'").isEmpty();
    }

    private record Run(int status, String out, String err) {}

    private static Run tp(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Tp.run(new PrintWriter(out), new PrintWriter(err, true), args);
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void listsTheTracepointsOfARunningJvmAndStopsTheAgentItStarted() throws Exception {
        String pid = Long.toString(target.pid());
        Run all = tp("list", "--pid", pid);
        assertThat(all.status()).as(all.err()).isZero();
        assertThat(all.out().lines())
                .containsExactly(
                        "lt:alpha regular enabled 1 probe (long id, String name)",
                        "lt:beta faultable disabled 0 probes (int n)");
        Run beta = tp("list", "--pid", pid, "*:b*");
        assertThat(beta.out().lines()).containsExactly("lt:beta faultable disabled 0 probes (int n)");
        Run none = tp("list", "--pid", pid, "nothing:*");
        assertThat(none.status()).isZero();
        assertThat(none.err()).contains("has no tracepoint matching nothing:*");

        Process status = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        pid,
                        "ManagementAgent.status")
                .redirectErrorStream(true)
                .start();
        String agent = new String(status.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(agent).as("the JMX agent tp started is stopped").contains("Agent: disabled");
    }

    /** tp jvms (and tp list without --pid) finds the target by the property its first define set. */
    @Test
    void jvmsListsTheJvmsWithTracepoint4j() {
        assertThat(tp("list").out().lines())
                .anySatisfy(line -> assertThat(line).startsWith(target.pid() + " " + ListTarget.class.getName()));
        Run jvms = tp("jvms");
        assertThat(jvms.status()).isZero();
        assertThat(jvms.out().lines())
                .anySatisfy(line ->
                        assertThat(line).startsWith(target.pid() + " " + ListTarget.class.getName() + " tracepoint4j "))
                .noneSatisfy(line ->
                        assertThat(line).startsWith(ProcessHandle.current().pid() + " "));
    }

    @Test
    void aPidWithoutAProcessOrAJvmIsRefusedInOneLine() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Run gone = tp("list", "--pid", Long.toString(ended.pid()));
        assertThat(gone.status()).isEqualTo(1);
        assertThat(gone.err().strip())
                .startsWith("tp list: no process has PID " + ended.pid())
                .doesNotContain("\n");

        Process shell = new ProcessBuilder("sleep", "30").start();
        try {
            Run notJava = tp("list", "--pid", Long.toString(shell.pid()));
            assertThat(notJava.status()).isEqualTo(1);
            assertThat(notJava.err().strip())
                    .startsWith(
                            "tp list: cannot attach to PID " + shell.pid() + ": it is not a Java 25+ JVM run by you")
                    .doesNotContain("\n");
        } finally {
            shell.destroyForcibly();
        }
    }
}
