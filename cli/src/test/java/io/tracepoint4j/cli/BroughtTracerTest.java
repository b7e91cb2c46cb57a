package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import io.tracepoint4j.testkit.Babeltrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target whose application has tracepoint4j's tracepoints but not its tracer, all a library
 * author adds: tp brings the tracer in from memory, records it, and the target prints nothing; a
 * later tp finds the tracer there. A target of another tracepoint4j version is refused, naming it.
 */
@Timeout(180)
class BroughtTracerTest {
    @Test
    void aTargetWithTheTracepointsAloneIsRecordedThroughTheTracerTpBrings(@TempDir Path dir) throws Exception {
        Process target = TargetProcesses.start(TargetProcesses.tracepointsAlone(), RecordTarget.class);
        try {
            assertThat(TargetProcesses.firstLine(target)).isEqualTo("ready firing");
            for (String run : List.of("first", "second")) { // the second finds the tracer the first brought
                Path folder = dir.resolve(run);
                TpCommand command = TpCommand.run(
                        "record",
                        "--pid",
                        Long.toString(target.pid()),
                        "-e",
                        "rt:*",
                        "--duration",
                        "1",
                        "-o",
                        folder.toString());
                assertThat(command.status()).as(command.err()).isZero();
                List<CtfEvent> events = new ArrayList<>();
                try (CtfReader reader = CtfReader.open(folder)) {
                    reader.forEach(e -> {
                        if (e.name().equals("rt:request")) {
                            events.add(e);
                        }
                    });
                }
                assertThat(events).as(run).isNotEmpty();
                assertThat(command.out().lines().toList().getLast())
                        .isEqualTo("events recorded: " + events.size() + ", lost: 0");
                assertThat(Babeltrace.run(folder).clean().stdout().stream().filter(l -> l.contains("rt:request")))
                        .hasSize(events.size());
            }
        } finally {
            assertThat(TargetProcesses.stop(target))
                    .as("what the target printed after 'ready'")
                    .isEmpty();
        }
    }

    /**
     * The same for an application on the module path (a named module with tracepoint4j's
     * tracepoints alone): the tracer tp brings uses the rcu module's internals, which the named
     * module exports to the tracer module by name only, not to the loader tp brings it in (found by
     * a black-box test: every record failed, and every later tp command hung on the control socket
     * that failure left without its acceptor).
     */
    @Test
    void aModulePathTargetWithTheTracepointsAloneIsRecordedThroughTheTracerTpBrings(@TempDir Path dir)
            throws Exception {
        String modulePath = TargetProcesses.tracepointModules();
        Path source = dir.resolve("src");
        Files.createDirectories(source.resolve("com/example/mini"));
        Files.writeString(
                source.resolve("module-info.java"),
                "module com.example.mini { requires io.tracepoint4j; exports com.example.mini to io.tracepoint4j; }");
        Files.writeString(source.resolve("com/example/mini/Mini.java"), """
                package com.example.mini;
                import io.tracepoint4j.Tracepoint;
                public final class Mini {
                    public interface Tick { void tick(long n); }
                    public static void main(String[] args) throws Exception {
                        Tracepoint<Tick> tick = Tracepoint.define("mini:tick", Tick.class, "n");
                        Thread firing = Thread.ofPlatform().daemon().start(() -> {
                            for (long n = 0; ; n++) {
                                tick.fire().tick(n);
                                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                            }
                        });
                        System.out.println("ready");
                        System.out.flush();
                        while (System.in.read() >= 0) {
                            // until the test closes our stdin
                        }
                    }
                }
                """);
        Path classes = dir.resolve("classes");
        int compiled = javax.tools.ToolProvider.getSystemJavaCompiler()
                .run(
                        null,
                        null,
                        null,
                        "-p",
                        modulePath,
                        "-d",
                        classes.toString(),
                        source.resolve("module-info.java").toString(),
                        source.resolve("com/example/mini/Mini.java").toString());
        assertThat(compiled).as("javac of the module application").isZero();
        Process target = new ProcessBuilder(
                        TargetProcesses.java(),
                        "-p",
                        modulePath + java.io.File.pathSeparator + classes,
                        "-m",
                        "com.example.mini/com.example.mini.Mini")
                .redirectErrorStream(true)
                .start();
        try {
            assertThat(TargetProcesses.firstLine(target)).isEqualTo("ready");
            for (String run : List.of("first", "second")) { // the second finds the tracer the first brought
                Path folder = dir.resolve(run);
                TpCommand command =
                        TpCommand.run("record", "--pid", target.pid(), "-e", "mini:*", "--duration", "1", "-o", folder);
                assertThat(command.status()).as(command.err()).isZero();
                long events;
                try (CtfReader reader = CtfReader.open(folder)) {
                    events = java.util.stream.StreamSupport.stream(reader.spliterator(), false)
                            .filter(e -> e.name().equals("mini:tick"))
                            .count();
                }
                assertThat(events).as(run).isPositive();
                assertThat(command.out().lines().toList().getLast())
                        .isEqualTo("events recorded: " + events + ", lost: 0");
            }
            TpCommand stat = TpCommand.run("stat", "--pid", target.pid(), "-e", "mini:*", "--duration", "1");
            assertThat(stat.status()).as(stat.err()).isZero();
            assertThat(stat.out()).contains("mini:tick");
        } finally {
            TargetProcesses.stop(target);
        }
    }

    @Test
    void aTargetOfAnotherVersionIsRefusedWithTheVersionToUse(@TempDir Path dir) throws Exception {
        Process target = TargetProcesses.start(
                TargetProcesses.tracepointsAloneAsVersion("9.9.9", dir.resolve("tracepoint.jar")), RecordTarget.class);
        try {
            assertThat(TargetProcesses.firstLine(target)).isEqualTo("ready firing");
            TpCommand refused = TpCommand.run(
                    "record", "--pid", target.pid(), "-e", "rt:*", "--duration", "1", "-o", dir.resolve("t"));
            assertThat(refused.status()).isNotZero();
            assertThat(refused.err())
                    .startsWith("tp record: PID " + target.pid() + " has tracepoint4j 9.9.9 without its tracer")
                    .contains("use the tp of version 9.9.9");
            assertThat(target.isAlive()).isTrue();
        } finally {
            assertThat(TargetProcesses.stop(target))
                    .as("what the target printed after 'ready'")
                    .isEmpty();
        }
    }
}
