package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import io.tracepoint4j.testkit.Babeltrace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tp snapshot --pid PID -o DIR}: a JVM's flight recorder, left running, writes what it holds
 * into a trace babeltrace2 reads, twice, and goes on; a JVM without one is refused in one line.
 */
@Timeout(120)
class SnapshotCommandTest {
    private static Process start(Class<?> main, String... args) throws Exception {
        Process target = TargetProcesses.start(main, args);
        assertThat(TargetProcesses.firstLine(target)).startsWith("ready");
        return target;
    }

    private static void end(Process target) throws Exception {
        TargetProcesses.stop(target);
    }

    private static List<Long> ticks(Path folder) throws Exception {
        List<Long> ticks = new ArrayList<>();
        try (CtfReader reader = CtfReader.open(folder)) {
            for (CtfEvent event : reader) {
                if (event.name().equals("fr:tick")) {
                    ticks.add((Long) event.field("n"));
                }
            }
        }
        return ticks;
    }

    /**
     * Two tp record --mode overwrite on one JVM: each session has a name of its own, so one
     * snapshot writes both below DIR. They used to share the name tp-PID: the second snapshot
     * found the first's folder and the command failed, after taking the first recorder's events.
     */
    @Test
    void twoFlightRecordersOfTpAreSnapshotTogether(@TempDir Path dir) throws Exception {
        Process target = start(RecordTarget.class);
        try {
            String pid = Long.toString(target.pid());
            List<TpCommand.Running> recorders = new ArrayList<>();
            for (String name : new String[] {"one", "two"}) {
                recorders.add(TpCommand.start(
                        "recording",
                        "record",
                        "--pid",
                        pid,
                        "-e",
                        "rt:*",
                        "--mode",
                        "overwrite",
                        "--duration",
                        "6",
                        "-o",
                        dir.resolve(name)));
            }
            Thread.sleep(500);
            Path snapshots = dir.resolve("snapshots");
            TpCommand snapshot = TpCommand.run("snapshot", "--pid", pid, "-o", snapshots.toString());
            assertThat(snapshot.status()).as(snapshot.err()).isZero();
            List<String> written = snapshot.out()
                    .lines()
                    .filter(line -> line.startsWith("snapshot: "))
                    .toList();
            assertThat(written)
                    .hasSize(2)
                    .allSatisfy(line -> assertThat(line)
                            .matches("snapshot: " + Pattern.quote(snapshots.toString()) + "/tp-" + pid + "-\\d+"))
                    .doesNotHaveDuplicates();
            for (TpCommand.Running recorder : recorders) {
                assertThat(recorder.end().status()).isZero();
            }
        } finally {
            end(target);
        }
    }

    @Test
    void snapshotsAFlightRecorderLeftRunning(@TempDir Path dir) throws Exception {
        Process target = start(FlightRecorderTarget.class, dir.resolve("flight").toString());
        try {
            Thread.sleep(300);
            List<Long> first = snapshot(target, dir.resolve("one"));
            Thread.sleep(300);
            List<Long> second = snapshot(target, dir.resolve("two"));
            assertThat(first).isNotEmpty();
            assertThat(second).isNotEmpty();
            assertThat(second.getLast()).as("the recorder went on").isGreaterThan(first.getLast());
            Babeltrace.Run run = Babeltrace.run(dir.resolve("two"));
            assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isZero();
        } finally {
            end(target);
        }
    }

    private static List<Long> snapshot(Process target, Path folder) throws Exception {
        TpCommand command = TpCommand.run("snapshot", "--pid", Long.toString(target.pid()), "-o", folder.toString());
        assertThat(command.status()).as(command.err()).isZero();
        List<Long> ticks = ticks(folder);
        assertThat(command.out().lines()).hasSize(2).first().isEqualTo("snapshot: " + folder);
        assertThat(command.out().lines().toList().get(1))
                .as("FlightRecorderTarget fires fr:tick alone")
                .matches("events in snapshot: " + ticks.size() + " over \\d+\\.\\d{3} s");
        return ticks;
    }

    /**
     * A target that exits while tp record runs: the recording ends, as at the end of a duration (exit
     * status 0), the command says why, and its last line counts the events of the trace, which the
     * target's shutdown hook finished and which reads. It used to fail with exit status 1 and no
     * count.
     */
    @Test
    void aTargetThatExitsMidRecordLeavesAReadableTrace(@TempDir Path dir) throws Exception {
        Process target = start(RecordTarget.class);
        Path folder = dir.resolve("exited");
        TpCommand.Running record =
                TpCommand.start("recording", "record", "--pid", target.pid(), "-e", "rt:*", "-o", folder);
        Thread.sleep(300);
        end(target);
        TpCommand ended = record.end();
        assertThat(ended.status()).as(ended.err()).isZero(); // the target's exit ends a recording, as a duration does
        List<String> lines = ended.out().lines().toList();
        assertThat(lines)
                .contains("PID " + target.pid() + " exited while recording; the trace holds what it wrote, up to"
                        + " its last complete packet");
        List<Long> ids = new ArrayList<>();
        try (CtfReader reader = CtfReader.open(folder)) {
            for (CtfEvent event : reader) {
                if (event.name().equals("rt:request")) {
                    ids.add((Long) event.field("id"));
                }
            }
        }
        assertThat(ids).isNotEmpty();
        assertThat(lines.getLast()).startsWith("events recorded: " + ids.size() + ", lost: ");
    }

    @Test
    void aJvmWithoutAFlightRecorderIsRefused(@TempDir Path dir) throws Exception {
        Process target = start(RecordTarget.class);
        try {
            TpCommand refused =
                    TpCommand.run("snapshot", "--pid", Long.toString(target.pid()), "-o", dir.resolve("none"));
            assertThat(refused.status()).isEqualTo(1);
            assertThat(refused.err().strip())
                    .isEqualTo("tp snapshot: PID " + target.pid() + ": no flight recorder runs in this JVM: start a"
                            + " session in OVERWRITE mode (Session.builder(NAME).mode(io.tracepoint4j.ringbuffer.Mode.OVERWRITE)),"
                            + " or keep one running from another shell: tp record --pid " + target.pid()
                            + " --mode overwrite -e GLOB");
        } finally {
            end(target);
        }
    }
}
