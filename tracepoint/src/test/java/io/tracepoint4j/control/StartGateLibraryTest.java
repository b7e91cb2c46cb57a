package io.tracepoint4j.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Which class initializers StartGate takes for tracepoint4j's own: every library package, no application's. */
class StartGateLibraryTest {
    /** The library modules, beside this one (the tests run in tracepoint/). */
    private static final List<String> LIBRARY_MODULES =
            List.of("rcu", "ringbuffer", "ctf", "tracepoint", "tracer", "jfr", "otel");

    @Test
    void everyPackageOfTheLibraryModulesIsTheLibrarys() throws IOException {
        Set<String> packages = new TreeSet<>();
        for (String module : LIBRARY_MODULES) {
            Path sources = Path.of("..", module, "src", "main", "java");
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
                    if (!file.getFileName().toString().equals("module-info.java")) {
                        packages.add(
                                sources.relativize(file.getParent()).toString().replace('/', '.'));
                    }
                }
            }
        }
        assertThat(packages)
                .contains("io.tracepoint4j", "io.tracepoint4j.tracer.control", "io.tracepoint4j.rcu.internal");
        assertThat(packages)
                .allSatisfy(pkg -> assertThat(StartGate.isLibraryClass(pkg + ".Some"))
                        .as(pkg)
                        .isTrue());
    }

    @Test
    void anApplicationsPackageBelowIoTracepoint4jIsNotTheLibrarys() {
        assertThat(StartGate.isLibraryClass("io.tracepoint4j.examples.TracingDemo"))
                .isFalse();
        assertThat(StartGate.isLibraryClass("io.tracepoint4j.tracerapp.Main")).isFalse();
        assertThat(StartGate.isLibraryClass("com.example.Main")).isFalse();
        assertThat(StartGate.isLibraryClass("Main")).isFalse();
    }
}
