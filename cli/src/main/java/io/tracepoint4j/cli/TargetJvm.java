package io.tracepoint4j.cli;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A running JVM this tool talks to, as docs/design/control-channel.md describes: attached with the
 * Attach API (the target's own user only), a JMX agent started in it on the loopback interface with
 * a password only this user can read, and tracepoint4j's {@code Bootstrap} MBean created in it by
 * name. Nothing is printed in the target. {@link #close()} undoes it all: the MBean unregistered,
 * the agent stopped ({@code jcmd PID ManagementAgent.stop}), the password files deleted, the
 * attachment closed.
 */
final class TargetJvm implements AutoCloseable {
    static final String BOOTSTRAP = "io.tracepoint4j.control.Bootstrap";

    private static final String USER = "tp";

    /**
     * The name of the folders holding an attach's password files begins so, then the tool's PID, a
     * dash, the tool process's start time (startTime(): clock ticks since boot) and a dash: an agent whose password file lies in one of a tool that is gone is stale. The
     * start time tells a tool from a later process that was given its PID again. (A tool in another
     * PID namespace that shares this temporary folder looks gone; its files are needed only until
     * its agent has checked its password, a moment after it made them.)
     */
    private static final String SECRETS_PREFIX = "tracepoint4j-attach-";

    /** The tool's PID, then its start time: absent in the folders of tools before the start time was added. */
    private static final java.util.regex.Pattern SECRETS_OF_TOOL =
            java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(SECRETS_PREFIX) + "(\\d+)-(?:(\\d+)-)?");

    /** This tool's version, from its jar's manifest; "unknown" when run from class folders. */
    private static final String TOOL_VERSION =
            java.util.Objects.requireNonNullElse(TargetJvm.class.getPackage().getImplementationVersion(), "unknown");

    private final long pid;
    private final AttachLock attaching;
    private final VirtualMachine vm;
    private final Path secrets;
    private final JMXConnector connector;
    private final MBeanServerConnection server;
    private final ObjectName bootstrap;

    private TargetJvm(
            long pid,
            AttachLock attaching,
            VirtualMachine vm,
            Path secrets,
            JMXConnector connector,
            ObjectName bootstrap)
            throws IOException {
        this.pid = pid;
        this.attaching = attaching;
        this.vm = vm;
        this.secrets = secrets;
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
        this.bootstrap = bootstrap;
    }

    /**
     * Attaches to {@code pid}.
     *
     * @throws CommandFailure naming what is wrong: no such process, not a JVM this user may attach
     *     to, a JVM without tracepoint4j, one whose management agent runs already
     */
    static TargetJvm attach(long pid) {
        if (ProcessHandle.of(pid).isEmpty()) {
            throw new CommandFailure("no process has PID " + pid + " (./tp jvms lists the JVMs you can attach to)");
        }
        String otherUser = otherUser(pid);
        if (otherUser != null) {
            throw new CommandFailure("PID " + pid + " belongs to user " + otherUser + ", and tp works with the JVMs of"
                    + " its own user only: run it as " + otherUser);
        }
        AttachLock attaching = AttachLock.take(pid); // until close(): see AttachLock
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException | IOException e) {
            attaching.release();
            String why = String.valueOf(e.getMessage());
            throw new CommandFailure("cannot attach to PID " + pid + ": it is not a Java 25+ JVM run by you (attaching"
                    + " needs the same user" + (why.contains(" cmd: ") ? "" : "; " + why) + ")" + runs(pid));
        }
        Path secrets = null;
        JMXConnector connector = null;
        ObjectName created = null; // the Bootstrap MBean, once registered: unregistered again on failure
        boolean agentStarted = false;
        try {
            deleteSecretsOfEndedTools();
            secrets = OwnerOnly.newTemporaryFolder(
                    Path.of(System.getProperty("java.io.tmpdir")),
                    SECRETS_PREFIX + ProcessHandle.current().pid() + "-" + startTime(ProcessHandle.current()) + "-");
            String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
            Path passwordFile = OwnerOnly.newFile(secrets.resolve("jmx.password"), USER + " " + password + "\n");
            Path accessFile = OwnerOnly.newFile(
                    secrets.resolve("jmx.access"), USER + " readwrite create " + BOOTSTRAP + " unregister\n");
            int port = freeLoopbackPort();
            Properties agent = new Properties();
            agent.setProperty("com.sun.management.jmxremote.port", Integer.toString(port));
            agent.setProperty("com.sun.management.jmxremote.rmi.port", Integer.toString(port));
            agent.setProperty("com.sun.management.jmxremote.host", "127.0.0.1");
            agent.setProperty("com.sun.management.jmxremote.authenticate", "true");
            agent.setProperty("com.sun.management.jmxremote.ssl", "false");
            agent.setProperty("com.sun.management.jmxremote.password.file", passwordFile.toString());
            agent.setProperty("com.sun.management.jmxremote.access.file", accessFile.toString());
            try {
                vm.startManagementAgent(agent);
            } catch (IOException e) {
                String running = stopStaleAgent(pid);
                if (running != null) {
                    throw new CommandFailure("PID " + pid + " already runs " + running + " (" + e.getMessage() + ")");
                }
                vm.startManagementAgent(agent);
            }
            agentStarted = true;
            JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
            connector =
                    JMXConnectorFactory.connect(url, Map.of(JMXConnector.CREDENTIALS, new String[] {USER, password}));
            ObjectName name = new ObjectName("io.tracepoint4j:type=Bootstrap");
            try {
                connector.getMBeanServerConnection().createMBean(BOOTSTRAP, name);
            } catch (InstanceAlreadyExistsException e) {
                // another tp talks to it now: share the MBean (it holds no state)
            } catch (javax.management.ReflectionException e) {
                throw new CommandFailure("PID " + pid + " has no tracepoint4j: " + BOOTSTRAP + " is not on its class"
                        + " path (add io.tracepoint4j:tracepoint4j-tracepoint to the application)");
            }
            created = name; // as close() does, also if a stale one was there
            String version = (String) connector.getMBeanServerConnection().getAttribute(name, "Version");
            if (!compatible(version, TOOL_VERSION)) {
                throw new CommandFailure("PID " + pid + " has tracepoint4j " + version + ", and this tp is version "
                        + TOOL_VERSION + ": use the tp of version " + version);
            }
            return new TargetJvm(pid, attaching, vm, secrets, connector, name);
        } catch (RuntimeException e) {
            undo(pid, vm, secrets, connector, created, agentStarted);
            attaching.release();
            throw e;
        } catch (Exception e) {
            undo(pid, vm, secrets, connector, created, agentStarted);
            attaching.release();
            throw new CommandFailure("cannot talk to PID " + pid + ": " + e);
        }
    }

    /**
     * "; it runs COMMAND" for {@code pid}'s executable, if the system says, for a process that is
     * not a JVM: the JDK's own message would quote its whole command line. Where its executable's
     * path cannot be read (a process the kernel hides it of, such as a container's PID 1), its
     * name (/proc/PID/comm).
     */
    static String runs(long pid) {
        String command = ProcessHandle.of(pid)
                .flatMap(process -> process.info().command())
                .orElseGet(() -> processName(pid));
        return command == null || command.isEmpty() ? "" : "; it runs " + command;
    }

    private static String processName(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm"))
                    .strip();
        } catch (IOException | RuntimeException e) { // not Linux, or gone
            return null;
        }
    }

    /**
     * The user {@code pid} runs as if it is not this tool's user, else null (also where {@code
     * /proc} does not say). The check comes before attaching: root may attach to any JVM, and a
     * JMX agent started in another user's JVM cannot read this user's password file and prints
     * its error on that JVM's console.
     */
    static String otherUser(long pid) {
        try {
            UserPrincipal owner = Files.getOwner(Path.of("/proc", Long.toString(pid)));
            UserPrincipal self = Files.getOwner(
                    Path.of("/proc", Long.toString(ProcessHandle.current().pid())));
            return owner.equals(self) ? null : owner.getName();
        } catch (IOException e) {
            return null; // no /proc, or the process ended: attaching says what is wrong
        }
    }

    /**
     * The tracepoint4j version of a JVM of this user, from the system property its first define
     * set, or null if it has none or cannot be attached to (it exited, or is not a JVM). Reading
     * properties through the Attach API starts nothing in the JVM.
     */
    static String tracepointVersion(com.sun.tools.attach.VirtualMachineDescriptor descriptor) {
        try {
            return versionOf(VirtualMachine.attach(descriptor));
        } catch (IOException | AttachNotSupportedException e) {
            return null;
        }
    }

    /** As {@link #tracepointVersion(com.sun.tools.attach.VirtualMachineDescriptor)}, by PID. */
    static String tracepointVersion(long pid) {
        try {
            return versionOf(VirtualMachine.attach(Long.toString(pid)));
        } catch (IOException | AttachNotSupportedException e) {
            return null;
        }
    }

    private static String versionOf(VirtualMachine vm) throws IOException {
        try {
            return vm.getSystemProperties().getProperty(JvmsCommand.VERSION_PROPERTY);
        } finally {
            vm.detach();
        }
    }

    /**
     * Whether versions {@code target} and {@code tool} work together: equal, or one of them a
     * build run from class folders, whose version is "unknown".
     */
    static boolean compatible(String target, String tool) {
        return target.equals(tool) || target.equals("unknown") || tool.equals("unknown");
    }

    /** The target's answer to a Bootstrap operation. */
    Object invoke(String operation, Object[] arguments, String[] signature) {
        try {
            return server.invoke(bootstrap, operation, arguments, signature);
        } catch (Exception e) {
            throw targetCause(e) instanceof IllegalArgumentException // a glob it refused
                    ? CommandFailure.refusedArgument("PID " + pid + " refused: " + targetMessage(e))
                    : new CommandFailure("PID " + pid + ": " + operation + " failed: " + targetMessage(e));
        }
    }

    /**
     * Opens the target's control socket and returns its path. A target whose application has
     * tracepoint4j's tracepoints but not its tracer gets this tool's tracer first (TracerJar),
     * defined in memory, which stays there for later tools.
     *
     * @throws CommandFailure if the target lacks the tracer and this tool's is of another version
     */
    Path openChannel() {
        if (!(Boolean) invokeGetter("TracerLoaded")) {
            TracerJar tracer = TracerJar.ofThisTool();
            String version = (String) invokeGetter("Version");
            if (!tracer.version().equals(version)) {
                throw new CommandFailure("PID " + pid + " has tracepoint4j " + version + " without its tracer, and"
                        + " this tp can bring in the tracer of version " + tracer.version() + " only: use the tp of"
                        + " version " + version + ", or add io.tracepoint4j:tracepoint4j-tracer to the application");
            }
            invoke("bringTracer", new Object[] {tracer.bytes(), tracer.version()}, new String[] {
                byte[].class.getName(), String.class.getName()
            });
        }
        return Path.of((String) invoke("openChannel", new Object[0], new String[0]));
    }

    private Object invokeGetter(String attribute) {
        try {
            return server.getAttribute(bootstrap, attribute);
        } catch (Exception e) {
            throw new CommandFailure("PID " + pid + ": cannot read " + attribute + ": " + targetMessage(e));
        }
    }

    /** What the target said: the message of the exception its MBean threw, else {@code e}. */
    private static String targetMessage(Exception e) {
        Throwable cause = targetCause(e);
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }

    /** What the target threw, out of the JMX exceptions that carry it. */
    private static Throwable targetCause(Exception e) {
        Throwable cause = e;
        while ((cause instanceof javax.management.JMException || cause instanceof javax.management.JMRuntimeException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Override
    public void close() {
        undo(pid, vm, secrets, connector, bootstrap, true);
        attaching.release();
    }

    /** Undoes what attach() did, as far as it got; never throws. */
    private static void undo(
            long pid,
            VirtualMachine vm,
            Path secrets,
            JMXConnector connector,
            ObjectName bootstrap,
            boolean agentStarted) {
        if (connector != null) {
            try {
                if (bootstrap != null) {
                    connector.getMBeanServerConnection().unregisterMBean(bootstrap);
                }
            } catch (Exception e) {
                // already gone (another tp unregistered it): nothing to undo
            }
            try {
                connector.close();
            } catch (IOException e) {
                // the target exited: nothing to undo there
            }
        }
        if (agentStarted) {
            stopAgent(pid);
        }
        if (secrets != null) {
            deleteSecrets(secrets); // else a folder left behind, readable by this user alone
        }
        try {
            vm.detach();
        } catch (IOException e) {
            // the target exited
        }
    }

    /**
     * Stops the agent attach() started: JMX does not offer ManagementAgent.stop, and the Attach API
     * runs jcmd's commands only through an internal class, so this runs the JDK's jcmd (its output
     * is this tool's, not the target's, and is dropped).
     */
    private static void stopAgent(long pid) {
        jcmd(pid, "ManagementAgent.stop");
    }

    /**
     * Stops a JMX agent that an earlier tp started and could not stop (killed while it attached):
     * its password file lies in a folder a tool makes, named after that tool's PID, and that tool
     * is gone. Returns null if it found and stopped one, else what runs there, for the refusal: an
     * agent of the application's own, or of a tool still running, is left alone.
     */
    private static String stopStaleAgent(long pid) {
        String status = jcmd(pid, "ManagementAgent.status");
        if (status == null) {
            return "a JMX agent, which this tool could not inspect (the JDK's jcmd is missing or did not answer)";
        }
        java.util.regex.Matcher tool = SECRETS_OF_TOOL.matcher(status);
        if (!status.contains("jmxremote.password.file") || !tool.find()) {
            return "a JMX agent of its own (its -Dcom.sun.management.jmxremote.port, or a jcmd ManagementAgent.start),"
                    + " and a JVM runs one at a time, so tp cannot start the one it reaches tracepoint4j through."
                    + " Record it from inside instead (a Session started by the application: tracer/README.md),"
                    + " or start it without a remote JMX agent";
        }
        long toolPid = Long.parseLong(tool.group(1));
        if (toolRuns(tool)) {
            return "the JMX agent of another tp, PID " + toolPid + ", which is still running: try again once it ended";
        }
        stopAgent(pid);
        return null;
    }

    /**
     * Deletes the password folders of tools that are gone: a tool killed (SIGKILL) while attached
     * could not delete its own. Each is named after its tool's PID; those of tools still running,
     * and other users' (which this user cannot delete), stay.
     */
    private static void deleteSecretsOfEndedTools() {
        Path temporary = Path.of(System.getProperty("java.io.tmpdir"));
        try (java.util.stream.Stream<Path> entries = Files.list(temporary)) {
            for (Path folder : (Iterable<Path>) entries::iterator) {
                java.util.regex.Matcher tool =
                        SECRETS_OF_TOOL.matcher(folder.getFileName().toString());
                if (tool.lookingAt()
                        && !toolRuns(tool)
                        && OwnerOnly.isOwnFolder(folder, System.getProperty("user.name"))) { // not a link
                    deleteSecrets(folder);
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable temporary folder: the next tool tries again
        }
    }

    /**
     * Whether the tool a SECRETS_OF_TOOL match names still runs: a process has its PID and, where
     * the name holds one, the same start time (else the PID was given to another process since).
     */
    private static boolean toolRuns(java.util.regex.MatchResult tool) {
        java.util.Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(tool.group(1)));
        return process.isPresent()
                && (tool.group(2) == null || Long.parseLong(tool.group(2)) == startTime(process.get()));
    }

    /**
     * When {@code process} started: its start time in clock ticks since boot (/proc/PID/stat, field
     * 22), which a step of the wall clock does not move; where there is no /proc, milliseconds since
     * the epoch as ProcessHandle says; 0 where neither says.
     */
    static long startTime(ProcessHandle process) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // from field 3, state
            return Long.parseLong(fields[22 - 3]);
        } catch (IOException | RuntimeException e) {
            return process.info()
                    .startInstant()
                    .map(java.time.Instant::toEpochMilli)
                    .orElse(0L);
        }
    }

    /** Deletes a password folder and the two files a tool puts there; quietly, as far as it can. */
    private static void deleteSecrets(Path secrets) {
        try {
            Files.deleteIfExists(secrets.resolve("jmx.password"));
            Files.deleteIfExists(secrets.resolve("jmx.access"));
            Files.deleteIfExists(secrets);
        } catch (IOException e) {
            // another user's, or a folder with more in it: left alone
        }
    }

    /**
     * Runs {@code jcmd PID COMMAND} for 30 s at most; its output (a few lines, which the pipe holds
     * until read), or null where there is no jcmd (a JRE) or it did not finish.
     */
    private static String jcmd(long pid, String command) {
        List<String> commandLine = jcmdCommand(pid, command);
        if (commandLine == null) {
            return null; // no jcmd: an agent stays, password-protected, until the target exits
        }
        Process p = null;
        try {
            p = new ProcessBuilder(commandLine).redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly(); // a target that stopped answering: the attach lock is let go all the same
                return null;
            }
            return new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null; // no jcmd: an agent stays, password-protected, until the target exits
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (p != null) {
                p.destroyForcibly();
            }
            return null;
        }
    }

    /** Where setsid(1) is, if this system has it (util-linux). */
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    /**
     * The command line of {@code jcmd PID COMMAND}, in a session of its own where setsid(1) is
     * there: a Ctrl-C on the terminal signals the tool's whole process group, which would end a
     * jcmd started in it before it stopped the agent the tool is undoing (the tool itself holds its
     * exit for that, AttachLock). A child of this JVM leads no process group, so setsid makes the
     * new session and execs jcmd in place (no fork, no option needed, BusyBox's as util-linux's):
     * the process waited for is jcmd itself. Null if this JDK has no jcmd.
     */
    static List<String> jcmdCommand(long pid, String command) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            return null;
        }
        return Files.isExecutable(SETSID)
                ? List.of(SETSID.toString(), jcmd.toString(), Long.toString(pid), command)
                : List.of(jcmd.toString(), Long.toString(pid), command);
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
