package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attaching and detaching 100 times in a row leaks nothing in the target: list, record and stat in
 * turn, each a tool process of its own as people run it, and the target's threads, open files, heap
 * after a GC and probes are at most what they were after the first ten cycles (the JDK's RMI
 * runtime starts threads of its own on the first attach; the comparison starts after them). Run in
 * one JVM, the tools' pooled RMI connections would keep a server thread each in the target until
 * that JVM closes them.
 */
class AttachLeakTest {
    private static final int CYCLES = 100;

    @Test
    @Timeout(600)
    void attachingAndDetaching100TimesLeaksNothing(@TempDir Path dir) throws Exception {
        Process target = TargetProcesses.start(LeakTarget.class);
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(target.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter commands = new PrintWriter(target.getOutputStream(), true, StandardCharsets.UTF_8);
        try {
            assertThat(lines.readLine()).isEqualTo("ready");
            String pid = Long.toString(target.pid());
            Map<String, Long> warm = null;
            for (int cycle = 1; cycle <= CYCLES; cycle++) {
                String[] args = switch (cycle % 3) {
                    case 0 -> new String[] {"list", "--pid", pid};
                    case 1 ->
                        new String[] {
                            "record",
                            "--pid",
                            pid,
                            "-e",
                            "lk:*",
                            "--duration",
                            "0.05",
                            "-o",
                            dir.resolve("r" + cycle).toString()
                        };
                    default -> new String[] {"stat", "--pid", pid, "-e", "lk:*", "--duration", "0.05"};
                };
                // each cycle a tool process of its own, as people run tp: its exit closes its connections
                java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                        TargetProcesses.java(), "-cp", System.getProperty("java.class.path"), Tp.class.getName()));
                command.addAll(java.util.List.of(args));
                Process tool =
                        new ProcessBuilder(command).redirectErrorStream(true).start();
                String output = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(tool.waitFor()).as("cycle %d: %s", cycle, output).isZero();
                if (cycle == 10) {
                    warm = stats(commands, lines);
                }
            }
            Thread.sleep(20_000); // RMI's idle connection threads end after 15 s
            Map<String, Long> after = stats(commands, lines);
            assertThat(after.get("probes")).isZero();
            assertThat(after.get("threads"))
                    .as("threads, after 10 cycles: %s", warm)
                    .isLessThanOrEqualTo(warm.get("threads"));
            // a leak per attach shows as 90 more; one or two descriptors may be in passing (CI once
            // saw 31 against 30, not seen again in the same run repeated)
            assertThat(after.get("files"))
                    .as("open files, after 10 cycles: %s", warm)
                    .isLessThanOrEqualTo(warm.get("files") + 2);
            assertThat(after.get("heap"))
                    .as("heap used after a GC, after 10 cycles: %s", warm)
                    .isLessThan(warm.get("heap") + 4_000_000);
        } finally {
            commands.close();
            target.waitFor(30, TimeUnit.SECONDS);
            target.destroyForcibly();
        }
    }

    private static Map<String, Long> stats(PrintWriter commands, BufferedReader lines) throws Exception {
        commands.println("stats");
        Map<String, Long> stats = new HashMap<>();
        for (String field : lines.readLine().split(" ")) {
            String[] kv = field.split("=");
            stats.put(kv[0], Long.parseLong(kv[1]));
        }
        return stats;
    }
}
