package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tp list --pid PID}: a real JVM, started with no flag, is attached to and lists its
 * tracepoints; it prints nothing because of it, and its JMX agent is stopped afterwards. The
 * refusals are one line each.
 */
@Timeout(120)
class ListCommandTest {
    private static Process target;

    @BeforeAll
    static void startTarget() throws Exception {
        target = TargetProcesses.start(ListTarget.class);
        assertThat(TargetProcesses.firstLine(target)).isEqualTo("ready");
    }

    @AfterAll
    static void stopTarget() throws Exception { // ListTarget ends when its stdin closes
        assertThat(TargetProcesses.stop(target))
                .as("what the target printed after 'ready'")
                .isEmpty();
    }

    @Test
    void listsTheTracepointsOfARunningJvmAndStopsTheAgentItStarted() throws Exception {
        String pid = Long.toString(target.pid());
        TpCommand all = TpCommand.run("list", "--pid", pid);
        assertThat(all.status()).as(all.err()).isZero();
        assertThat(all.out().lines())
                .containsExactly(
                        "lt:alpha regular enabled 1 probe (long id, String name)",
                        "lt:beta faultable disabled 0 probes (int n)");
        TpCommand beta = TpCommand.run("list", "--pid", pid, "*:b*");
        assertThat(beta.out().lines()).containsExactly("lt:beta faultable disabled 0 probes (int n)");
        TpCommand none = TpCommand.run("list", "--pid", pid, "nothing:*");
        assertThat(none.status()).isZero();
        assertThat(none.err()).contains("has no tracepoint matching nothing:*");
        TpCommand impossible = TpCommand.run("list", "--pid", pid, "lt:[ab]*");
        assertThat(impossible.status())
                .as("a glob the target refuses: a usage error")
                .isEqualTo(2);
        assertThat(impossible.err()).contains("glob \"lt:[ab]*\" matches no tracepoint: '[' is in no name");
        TpCommand both = TpCommand.run("list", "--pid", pid, "lt:beta,*:a*,lt:*"); // as -e takes them
        assertThat(both.out().lines())
                .as("each once, in the globs' order")
                .containsExactly(
                        "lt:beta faultable disabled 0 probes (int n)",
                        "lt:alpha regular enabled 1 probe (long id, String name)");
        TpCommand empty = TpCommand.run("list", "--pid", pid, ",");
        assertThat(empty.status()).isEqualTo(2);
        assertThat(empty.err()).contains("GLOB needs a tracepoint name or glob");

        assertThat(jcmd(target.pid(), "ManagementAgent.status"))
                .as("the JMX agent tp started is stopped")
                .contains("Agent: disabled");
    }

    /**
     * A tool killed (SIGKILL) after it started the target's JMX agent leaves the agent running and
     * its password folder behind: the next tool deletes the folder, stops that agent and lists. An
     * agent whose tool still runs is left alone, and the refusal names that tool.
     */
    @Test
    void theNextToolCleansUpAfterOneKilledWhileAttachedButLeavesARunningOnesAgentAlone() throws Exception {
        long pid = target.pid();
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Path stale = agentStartedByTool(pid, ended.pid());

        TpCommand after = TpCommand.run("list", "--pid", pid);

        assertThat(after.status()).as(after.err()).isZero();
        assertThat(stale).as("the killed tool's password folder").doesNotExist();
        assertThat(jcmd(pid, "ManagementAgent.status")).contains("Agent: disabled");

        Process reused = new ProcessBuilder("sleep", "60").start();
        try {
            long notItsStart = TargetJvm.startTime(reused.toHandle()) + 6_000;
            Path ofAnEarlierProcess = agentStartedByTool(pid, reused.pid() + "-" + notItsStart);
            TpCommand afterReuse = TpCommand.run("list", "--pid", pid);
            assertThat(afterReuse.status())
                    .as("a tool whose PID another process has now: %s", afterReuse.err())
                    .isZero();
            assertThat(ofAnEarlierProcess).as("its password folder").doesNotExist();
        } finally {
            reused.destroyForcibly().waitFor();
        }

        Process running = new ProcessBuilder("sleep", "60").start();
        Path live = agentStartedByTool(pid, running.pid() + "-" + TargetJvm.startTime(running.toHandle()));
        try {
            TpCommand refused = TpCommand.run("list", "--pid", pid);

            assertThat(refused.status()).isEqualTo(1);
            assertThat(refused.err())
                    .startsWith("tp list: PID " + pid + " already runs the JMX agent of another tp, PID "
                            + running.pid() + ", which is still running: try again once it ended");
            assertThat(live).as("a running tool's password folder").exists();
        } finally {
            running.destroyForcibly().waitFor();
            jcmd(pid, "ManagementAgent.stop");
            for (String file : new String[] {"jmx.password", "jmx.access", ""}) {
                Files.deleteIfExists(live.resolve(file));
            }
        }
    }

    /**
     * The jcmd that stops an agent runs in a session of its own (setsid -w, where the system has
     * it), out of reach of a Ctrl-C sent to the tool's process group, and its answer still comes
     * back whole: it used to die with the tool's Ctrl-C and leave the agent running.
     */
    @Test
    void jcmdRunsInASessionOfItsOwnAndAnswers() throws Exception {
        List<String> command = TargetJvm.jcmdCommand(target.pid(), "VM.version");
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            assertThat(command.getFirst()).isEqualTo("/usr/bin/setsid");
        }
        Process jcmd = new ProcessBuilder(command).redirectErrorStream(true).start();
        String answer = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jcmd.waitFor()).as(answer).isZero();
        assertThat(answer).contains(Long.toString(target.pid()) + ":", "JDK");
    }

    /**
     * A JVM that runs a remote JMX agent of its own (a production flag) is refused in one line that
     * says why tp cannot reach it that way and what to do instead (it said only that the agent
     * was not tp's: found by a black-box test); the agent is left running.
     */
    @Test
    void aJvmWithARemoteJmxAgentOfItsOwnIsRefusedSayingWhatToDoInstead() throws Exception {
        long pid = target.pid();
        Path secrets = agentStartedBy(pid, "application-jmx-");
        try {
            TpCommand refused = TpCommand.run("list", "--pid", pid);
            assertThat(refused.status()).isEqualTo(1);
            assertThat(refused.err().strip())
                    .startsWith("tp list: PID " + pid + " already runs a JMX agent of its own (its"
                            + " -Dcom.sun.management.jmxremote.port, or a jcmd ManagementAgent.start)")
                    .contains("Record it from inside instead (a Session started by the application:"
                            + " tracer/README.md), or start it without a remote JMX agent")
                    .doesNotContain("\n");
            assertThat(jcmd(pid, "ManagementAgent.status")).as("left running").doesNotContain("Agent: disabled");
        } finally {
            jcmd(pid, "ManagementAgent.stop");
            try (java.util.stream.Stream<Path> files = Files.list(secrets)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(secrets);
        }
    }

    /**
     * Starts {@code pid}'s JMX agent as a tool does, its password files in a folder named after that
     * tool ({@code tool}: its PID, or PID-START as tools name them now); returns the folder.
     */
    private static Path agentStartedByTool(long pid, Object tool) throws Exception {
        return agentStartedBy(pid, "tracepoint4j-attach-" + tool + "-");
    }

    /** Starts {@code pid}'s JMX agent with password files in a new folder named {@code prefix}...; returns it. */
    private static Path agentStartedBy(long pid, String prefix) throws Exception {
        Path secrets = Files.createTempDirectory(
                prefix, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path password = ownerOnly(secrets.resolve("jmx.password"), "tp secret\n");
        Path access = ownerOnly(secrets.resolve("jmx.access"), "tp readonly\n");
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        java.util.Properties agent = new java.util.Properties();
        agent.setProperty("com.sun.management.jmxremote.port", Integer.toString(port));
        agent.setProperty("com.sun.management.jmxremote.host", "127.0.0.1");
        agent.setProperty("com.sun.management.jmxremote.ssl", "false");
        agent.setProperty("com.sun.management.jmxremote.password.file", password.toString());
        agent.setProperty("com.sun.management.jmxremote.access.file", access.toString());
        com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(Long.toString(pid));
        try {
            vm.startManagementAgent(agent);
        } finally {
            vm.detach();
        }
        return secrets;
    }

    private static Path ownerOnly(Path file, String content) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(file, content);
    }

    /** What {@code jcmd PID COMMAND} prints. */
    private static String jcmd(long pid, String command) throws IOException {
        Process jcmd = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), command)
                .redirectErrorStream(true)
                .start();
        return new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** tp jvms (and tp list without --pid) finds the target by the property its first define set. */
    @Test
    void jvmsListsTheJvmsWithTracepoint4j() {
        assertThat(TpCommand.run("list").out().lines())
                .anySatisfy(line -> assertThat(line).startsWith(target.pid() + " " + ListTarget.class.getName()));
        TpCommand jvms = TpCommand.run("jvms");
        assertThat(jvms.status()).isZero();
        assertThat(jvms.out().lines())
                .anySatisfy(line ->
                        assertThat(line).startsWith(target.pid() + " " + ListTarget.class.getName() + " tracepoint4j "))
                .noneSatisfy(line ->
                        assertThat(line).startsWith(ProcessHandle.current().pid() + " "));
    }

    /** A GLOB without --pid would list nothing it names: refused, not dropped unsaid. */
    @Test
    void aGlobWithoutAPidIsAUsageError() {
        TpCommand list = TpCommand.run("list", "web:*");
        assertThat(list.status()).isEqualTo(2);
        assertThat(list.err().lines())
                .singleElement()
                .asString()
                .startsWith("tp list: a GLOB lists the tracepoints of one JVM: give its --pid");
        assertThat(list.out()).isEmpty();
    }

    @Test
    void aPidWithoutAProcessOrAJvmIsRefusedInOneLine() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        TpCommand gone = TpCommand.run("list", "--pid", Long.toString(ended.pid()));
        assertThat(gone.status()).isEqualTo(1);
        assertThat(gone.err().strip())
                .startsWith("tp list: no process has PID " + ended.pid())
                .doesNotContain("\n");

        Process shell = new ProcessBuilder("sleep", "30").start();
        try {
            TpCommand notJava = TpCommand.run("list", "--pid", Long.toString(shell.pid()));
            assertThat(notJava.status()).isEqualTo(1);
            assertThat(notJava.err().strip())
                    .startsWith(
                            "tp list: cannot attach to PID " + shell.pid() + ": it is not a Java 25+ JVM run by you")
                    .endsWith("; it runs " + shell.info().command().orElseThrow())
                    .doesNotContain("\n");
        } finally {
            shell.destroyForcibly();
        }
    }

    /**
     * A process whose executable the system does not show (a container's PID 1, here) is named by
     * its process name: `tp list --pid 1` said only that it was no JVM (found by a black-box test).
     */
    @Test
    void aProcessWhoseExecutableIsHiddenIsNamedByItsProcessName() throws Exception {
        assumeTrue(
                ProcessHandle.of(1).flatMap(p -> p.info().command()).isEmpty()
                        && Files.isReadable(Path.of("/proc/1/comm")),
                "PID 1's executable is visible here, or it has no /proc/1/comm");
        String name = Files.readString(Path.of("/proc/1/comm")).strip();
        assertThat(TargetJvm.runs(1)).isEqualTo("; it runs " + name);
    }

    /**
     * Another user's JVM is refused before anything is attached or started in it, so it prints
     * nothing. Run as root (as CI is), the test starts one as user nobody; otherwise any process
     * of another user shows the same refusal (the owner is checked first).
     */
    @Test
    void anotherUsersJvmIsRefusedBeforeAttachingAndPrintsNothing(@TempDir Path dir) throws Exception {
        boolean root = Files.getOwner(Path.of("/proc/self")).getName().equals("root");
        Process other = null;
        long pid;
        if (root) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            other = startSleeper(dir, "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");
            pid = other.pid();
        } else {
            pid = ProcessHandle.allProcesses()
                    .filter(p -> TargetJvm.otherUser(p.pid()) != null)
                    .findFirst()
                    .orElseThrow()
                    .pid();
        }
        try {
            String user = Files.getOwner(Path.of("/proc", Long.toString(pid))).getName();
            TpCommand refused = TpCommand.run("list", "--pid", Long.toString(pid));
            assertThat(refused.status()).isEqualTo(1);
            assertThat(refused.err().strip())
                    .isEqualTo("tp list: PID " + pid + " belongs to user " + user
                            + ", and tp works with the JVMs of its own user only: run it as " + user);
            assertThat(TpCommand.run("jvms").out().lines())
                    .noneSatisfy(line -> assertThat(line).startsWith(pid + " "));
        } finally {
            if (other != null) {
                assertThat(TargetProcesses.stop(other))
                        .as("what the other user's JVM printed after 'ready'")
                        .isEmpty();
            }
        }
    }

    /** A JVM of this user without tracepoint4j: one line naming the dependency to add, and the JVM prints nothing. */
    @Test
    void aJvmWithoutTracepoint4jIsRefusedInOneLineAndPrintsNothing(@TempDir Path dir) throws Exception {
        Process plain = startSleeper(dir);
        try {
            TpCommand refused = TpCommand.run("list", "--pid", Long.toString(plain.pid()));
            assertThat(refused.status()).isEqualTo(1);
            assertThat(refused.err().strip())
                    .isEqualTo("tp list: PID " + plain.pid() + " has no tracepoint4j: io.tracepoint4j.control.Bootstrap"
                            + " is not on its class path (add io.tracepoint4j:tracepoint4j-tracepoint to the"
                            + " application)");
            assertThat(TpCommand.run("jvms").out().lines())
                    .noneSatisfy(line -> assertThat(line).startsWith(plain.pid() + " "));
        } finally {
            assertThat(TargetProcesses.stop(plain))
                    .as("what the JVM printed after 'ready'")
                    .isEmpty();
        }
    }

    /**
     * Starts a JVM without tracepoint4j (a source-launched class in {@code dir}), run through
     * {@code prefix} (e.g. setpriv), that prints "ready" and then runs until its stdin closes.
     */
    private static Process startSleeper(Path dir, String... prefix) throws IOException {
        Path source = Files.writeString(
                dir.resolve("Sleeper.java"),
                "class Sleeper { public static void main(String[] a) throws Exception {"
                        + " System.out.println(\"ready\"); while (System.in.read() >= 0) {} } }");
        List<String> command = new ArrayList<>(List.of(prefix));
        command.add(TargetProcesses.java());
        command.add(source.toString());
        Process sleeper = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(TargetProcesses.firstLine(sleeper)).isEqualTo("ready");
        return sleeper;
    }
}
