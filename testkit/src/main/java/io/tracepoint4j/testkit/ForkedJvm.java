package io.tracepoint4j.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a fresh JVM (for what happens once per JVM: class initialization, a choice
 * made at start-up), with the JDK running the tests, and returns its exit status and output.
 */
public final class ForkedJvm {
    private ForkedJvm() {}

    /** What the forked JVM did: its exit status and its stdout and stderr, interleaved. */
    public record Result(int exit, String output) {}

    /**
     * Runs {@code main} with {@code jvmOptions} and {@code args}; its class path is the class
     * folders (or jars) of {@code main} and of {@code classPathOf}. Fails after 30 s.
     */
    public static Result run(Class<?> main, List<String> jvmOptions, List<String> args, Class<?>... classPathOf) {
        return run(javaArguments(main, jvmOptions, args, classPathOf));
    }

    /**
     * As {@link #run(Class, List, List, Class...)}, in a JVM whose files may grow to {@code kib} KiB
     * at most ({@code ulimit -f}): a write past it fails with "File too large" (the JVM ignores
     * SIGXFSZ), as on a disk that is full.
     */
    public static Result runWithFileSizeLimit(
            long kib, Class<?> main, List<String> jvmOptions, List<String> args, Class<?>... classPathOf) {
        return runCommand(withFileSizeLimit(kib, javaCommand(main, jvmOptions, args, classPathOf)), Map.of());
    }

    /**
     * As {@link #run(Class, List, List, Class...)}, with {@code environment} added to this JVM's
     * for the forked one.
     */
    public static Result runWithEnvironment(
            Map<String, String> environment,
            Class<?> main,
            List<String> jvmOptions,
            List<String> args,
            Class<?>... classPathOf) {
        return runCommand(javaCommand(main, jvmOptions, args, classPathOf), environment);
    }

    /**
     * As {@link #run(Class, List, List, Class...)}, started by bash running {@code script}, which
     * gets the java command as {@code "$0" "$@"}; the result's exit status is bash's, and its
     * output lasts until the forked JVM ends (it holds the pipe), even after bash exits.
     */
    public static Result runInShell(
            String script, Class<?> main, List<String> jvmOptions, List<String> args, Class<?>... classPathOf) {
        return runCommand(inShell(script, javaCommand(main, jvmOptions, args, classPathOf)), Map.of());
    }

    /**
     * {@code command} run by a shell that first limits the size of every file it writes to {@code
     * kib} KiB: writes past it fail as on a full disk (EFBIG; the JVM ignores SIGXFSZ).
     */
    public static List<String> withFileSizeLimit(long kib, List<String> command) {
        return inShell("ulimit -f " + kib + " && exec \"$0\" \"$@\"", command);
    }

    /** bash running {@code script}, with {@code command} as its {@code "$0" "$@"}. */
    private static List<String> inShell(String script, List<String> command) {
        List<String> shell = new ArrayList<>(List.of("bash", "-c", script));
        shell.addAll(command);
        return shell;
    }

    private static List<String> javaCommand(
            Class<?> main, List<String> jvmOptions, List<String> args, Class<?>... classPathOf) {
        List<String> java = new ArrayList<>();
        java.add(java());
        java.addAll(javaArguments(main, jvmOptions, args, classPathOf));
        return java;
    }

    private static List<String> javaArguments(
            Class<?> main, List<String> jvmOptions, List<String> args, Class<?>... classPathOf) {
        List<String> classPath = new ArrayList<>();
        classPath.add(location(main));
        for (Class<?> c : classPathOf) {
            classPath.add(location(c));
        }
        List<String> javaArguments = new ArrayList<>(jvmOptions);
        javaArguments.add("-cp");
        javaArguments.add(String.join(File.pathSeparator, classPath));
        javaArguments.add(main.getName());
        javaArguments.addAll(args);
        return javaArguments;
    }

    /**
     * Runs this JVM's {@code java} with {@code javaArguments} (options, then a main class or {@code
     * -m module/class}, then its arguments). Fails after 30 s.
     */
    public static Result run(List<String> javaArguments) {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(javaArguments);
        return runCommand(command, Map.of());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Result runCommand(List<String> command, Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process p = builder.start();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "(output unreadable: " + e + ")";
                }
            });
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the forked JVM did not finish in 30 s: " + command);
            }
            return new Result(p.exitValue(), Waits.await(output, "the forked JVM's output"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while the forked JVM ran", e);
        }
    }

    /** The class folder or jar {@code c} was loaded from. */
    public static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
