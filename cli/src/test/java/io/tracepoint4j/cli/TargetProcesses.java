package io.tracepoint4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The target JVMs the control commands' tests attach to: a main class of these tests, started with no flag for tp. */
final class TargetProcesses {
    private TargetProcesses() {}

    /** The JDK's java, which runs the tests. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Starts {@code main} with {@code args} in a JVM of its own, on this test's class path, its
     * stderr merged into its stdout; native access enabled, as rcu's membarrier read side asks.
     */
    static Process start(Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                java(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }
}
