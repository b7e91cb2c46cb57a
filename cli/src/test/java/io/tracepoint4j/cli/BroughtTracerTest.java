package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import io.tracepoint4j.testkit.Babeltrace;
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
