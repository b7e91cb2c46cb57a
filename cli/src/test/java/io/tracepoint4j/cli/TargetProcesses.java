package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The target JVMs the control commands' tests attach to: a main class of these tests, started with no flag for tp. */
final class TargetProcesses {
    /** One class of each module tp brings into a target that has tracepoints alone. */
    private static final String[] TRACER_MODULES = {
        "io/tracepoint4j/tracer/control/Channel.class",
        "io/tracepoint4j/ringbuffer/RingBuffer.class",
        "io/tracepoint4j/ctf/CtfTrace.class"
    };

    private static final String TRACEPOINT_MODULE = "io/tracepoint4j/Tracepoint.class";

    private static final String RCU_MODULE = "io/tracepoint4j/rcu/Srcu.class";

    private TargetProcesses() {}

    /** The JDK's java, which runs the tests. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * A tp command line that starts {@code main} itself: {@code toolArgs}, then {@code -- java
     * --enable-native-access=ALL-UNNAMED -cp CLASSPATH MAIN}, on this test's class path.
     */
    static Object[] startingCommand(Class<?> main, Object... toolArgs) {
        List<Object> args = new ArrayList<>(List.of(toolArgs));
        args.addAll(List.of(
                "--",
                java(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        return args.toArray();
    }

    /**
     * Starts {@code main} with {@code args} in a JVM of its own, on this test's class path, its
     * stderr merged into its stdout; native access enabled, as rcu's membarrier read side asks.
     */
    static Process start(Class<?> main, String... args) throws IOException {
        return start(System.getProperty("java.class.path"), main, args);
    }

    /** As {@link #start(Class, String...)}, on {@code classPath}. */
    static Process start(String classPath, Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>(
                List.of(java(), "--enable-native-access=ALL-UNNAMED", "-cp", classPath, main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /**
     * As {@link #start(Class, String...)}, in a shell that limits the size of every file the target
     * writes to {@code kib} KiB: writes past it fail as on a full disk (the JVM ignores SIGXFSZ).
     */
    static Process startWithFileSizeLimit(int kib, Class<?> main) throws IOException {
        List<String> command = List.of(
                java(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName());
        return new ProcessBuilder(io.tracepoint4j.testkit.ForkedJvm.withFileSizeLimit(kib, command))
                .redirectErrorStream(true)
                .start();
    }

    /**
     * The first line {@code target} prints (its "ready" line), read from its stdout byte by byte, so
     * that nothing after it is buffered away from {@link #stop}.
     */
    static String firstLine(Process target) throws IOException {
        InputStream in = target.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    /**
     * Ends a target that runs until its stdin closes: closes it, waits for the exit (30 s at most)
     * and returns what the target printed after the lines already read.
     */
    static String stop(Process target) throws Exception {
        target.getOutputStream().close();
        assertThat(target.waitFor(30, TimeUnit.SECONDS))
                .as("the target ends once its stdin closes")
                .isTrue();
        return new String(target.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /**
     * This test's class path without the tracer, ring-buffer and CTF modules: what an application
     * that has tracepoint4j's tracepoints alone runs on.
     */
    static String tracepointsAlone() throws IOException {
        return joined(classPathWithout(TRACER_MODULES));
    }

    /**
     * As {@link #tracepointsAlone()}, with the tracepoint module replaced by a jar of it in {@code
     * jar} whose manifest says {@code version}, the version its Tracepoints.version() reports.
     */
    static String tracepointsAloneAsVersion(String version, Path jar) throws IOException {
        List<Path> classPath = classPathWithout(TRACER_MODULES);
        List<Path> others = classPathWithout(TRACEPOINT_MODULE);
        Path tracepoint = classPath.stream()
                .filter(entry -> !others.contains(entry))
                .findFirst()
                .orElseThrow();
        classPath.set(classPath.indexOf(tracepoint), withVersion(tracepoint, version, jar));
        return joined(classPath);
    }

    /**
     * The module path of an application on it that has tracepoint4j's tracepoints alone: this
     * test's class path entries (jars or class folders) of the tracepoint and rcu modules.
     */
    static String tracepointModules() throws IOException {
        List<Path> modules = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (holdsAny(path, TRACEPOINT_MODULE, RCU_MODULE)) {
                modules.add(path);
            }
        }
        assertThat(modules)
                .as("the tracepoint and rcu modules on the class path")
                .hasSize(2);
        return joined(modules);
    }

    private static String joined(List<Path> classPath) {
        return classPath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    /** A jar of {@code entry}'s classes (a class folder or a jar) whose manifest says {@code version}. */
    private static Path withVersion(Path entry, String version, Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, version);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            if (Files.isDirectory(entry)) {
                try (Stream<Path> files = Files.walk(entry)) {
                    for (Path file : files.filter(Files::isRegularFile).toList()) {
                        copy(entry.relativize(file).toString(), Files.newInputStream(file), out);
                    }
                }
            } else {
                try (JarFile in = new JarFile(entry.toFile())) {
                    for (JarEntry e : in.stream().filter(e -> !e.isDirectory()).toList()) {
                        if (!e.getName().startsWith("META-INF/")) {
                            copy(e.getName(), in.getInputStream(e), out);
                        }
                    }
                }
            }
        }
        return jar;
    }

    private static void copy(String name, InputStream in, JarOutputStream out) throws IOException {
        try (in) {
            out.putNextEntry(new JarEntry(name));
            in.transferTo(out);
            out.closeEntry();
        }
    }

    /**
     * This test's class path without its entries (class folders or jars) that hold any of {@code
     * resources}.
     */
    private static List<Path> classPathWithout(String... resources) throws IOException {
        List<Path> kept = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (!holdsAny(path, resources)) {
                kept.add(path);
            }
        }
        return kept;
    }

    private static boolean holdsAny(Path entry, String... resources) throws IOException {
        if (Files.isDirectory(entry)) {
            for (String resource : resources) {
                if (Files.exists(entry.resolve(resource))) {
                    return true;
                }
            }
            return false;
        }
        if (!Files.isRegularFile(entry)) {
            return false;
        }
        try (JarFile jar = new JarFile(entry.toFile())) {
            for (String resource : resources) {
                if (jar.getEntry(resource) != null) {
                    return true;
                }
            }
            return false;
        }
    }
}
