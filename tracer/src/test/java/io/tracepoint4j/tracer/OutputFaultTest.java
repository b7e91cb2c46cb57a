package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.Tracepoints;
import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfTrace;
import io.tracepoint4j.rcu.Srcu;
import io.tracepoint4j.ringbuffer.RingBuffer;
import io.tracepoint4j.testkit.Babeltrace;
import io.tracepoint4j.testkit.ForkedJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a session does when its output fails: a folder that cannot be created, a disk that fills up
 * while recording, the application exiting while the session runs. A clear error, never an
 * exception in the traced application, and a trace readable up to its last complete packet.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class OutputFaultTest {
    private static final Class<?>[] CLASS_PATH = {
        Session.class, Tracepoint.class, Srcu.class, RingBuffer.class, CtfTrace.class
    };

    @Test
    void aFolderThatCannotBeCreatedFailsTheStartAndAttachesNothing(@TempDir Path dir) throws IOException {
        String provider = SessionTest.provider();
        Tracepoint<SessionTest.Tick> tick = Tracepoint.define(provider + ":tick", SessionTest.Tick.class, "n");
        Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
        Session session = Session.builder("nowhere")
                .enable(provider + ":*")
                .output(file.resolve("trace"))
                .build();
        assertThatThrownBy(session::start).isInstanceOf(IOException.class).hasMessageContaining(file.toString());
        assertThat(tick.probeCount()).as("nothing attached").isZero();
        assertThat(session.recorded()).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet())
                .extracting(Thread::getName)
                .noneMatch(name -> name.equals("tracepoint4j-session-nowhere"));
        assertThatThrownBy(session::stop)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("STOPPED");
        assertThatThrownBy(session::start)
                .as("a session records once")
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("make a new one");
        assertThat(session.recorder().memory.scope().isAlive())
                .as("its buffers' memory, given back by the failed start")
                .isFalse();
    }

    @Test
    void aRotationIntoAFolderThatCannotBeCreatedFailsAndTheSessionGoesOn(@TempDir Path dir) throws IOException {
        String provider = SessionTest.provider();
        Tracepoint<SessionTest.Tick> tick = Tracepoint.define(provider + ":tick", SessionTest.Tick.class, "n");
        Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
        Path folder = dir.resolve("trace");
        Session session = Session.builder("rotate-fails")
                .enable(provider + ":*")
                .output(folder)
                .start();
        for (int i = 0; i < 100; i++) {
            tick.fire().tick(i);
        }
        assertThatThrownBy(() -> session.rotate(file.resolve("next")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString());
        assertThat(session.folder()).isEqualTo(folder);
        for (int i = 100; i < 200; i++) {
            tick.fire().tick(i);
        }
        Session.Summary summary = session.stop();
        assertThat(summary.chunks()).containsExactly(folder);
        assertThat(SessionTest.events(folder)).extracting(e -> e.field("n")).hasSize(200);
        assertThat(Tracepoints.find(provider + ":*")).allMatch(t -> t.probeCount() == 0);
    }

    /**
     * The disk fills up mid-trace (a file size limit: writes past it fail as on a full disk): the
     * application goes on firing without an exception, a warning is logged at once, stop() says
     * what failed, and the trace is readable by babeltrace2 up to its last complete packet. Nothing
     * is lost silently: the events in the trace and the losses stop() counts make the events fired
     * (plus at most the one firing thread's name, were it among the records not written).
     */
    @Test
    void aDiskThatFillsUpLeavesAReadableTraceAndAClearError(@TempDir Path dir) throws IOException {
        Path folder = dir.resolve("trace");
        ForkedJvm.Result result = ForkedJvm.runWithFileSizeLimit(
                256, SessionFaultMain.class, List.of(), List.of("disk-full", folder.toString()), CLASS_PATH);
        assertThat(result.exit()).as(result.output()).isZero();
        long fired = number(result.output(), "fired: (\\d+)");
        assertThat(result.output())
                .as("a warning when the drain failed")
                .contains("session fault: cannot write the trace in " + folder)
                .contains("File too large")
                .contains("stop failed: session fault: the trace in " + folder + " could not be written completely");
        List<CtfEvent> events = SessionTest.events(folder);
        assertThat(events).as("some packets were written").isNotEmpty();
        assertThat((long) events.size()).as("not all: the disk was full").isLessThan(fired);
        assertThat(events.size() + number(result.output(), "lost: (\\d+)"))
                .as("the events in the trace and those counted as lost")
                .isBetween(fired, fired + 1);
        Set<Object> seen = new HashSet<>();
        for (CtfEvent event : events) {
            assertThat(seen.add(event.field("n"))).as("each event once").isTrue();
        }
        try (io.tracepoint4j.ctf.CtfReader reader = io.tracepoint4j.ctf.CtfReader.open(folder)) {
            long packetBytes = 0;
            for (io.tracepoint4j.ctf.CtfPacket packet : reader.packets()) {
                if (packet.file().getFileName().toString().equals("stream-0-0")) {
                    packetBytes += packet.packetSize();
                }
            }
            assertThat(Files.size(folder.resolve("stream-0-0")))
                    .as("whole packets only")
                    .isEqualTo(packetBytes);
        }
        Babeltrace.Run run = Babeltrace.run(folder);
        assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isZero();
        assertThat(run.stdout().stream().filter(l -> l.contains("fault:work")).count())
                .isEqualTo(events.size());
    }

    /** The application exits while the session runs: the shutdown hook stops it, and every event is in the trace. */
    @Test
    void anApplicationThatExitsWhileRecordingLeavesACompleteTrace(@TempDir Path dir) throws IOException {
        Path folder = dir.resolve("trace");
        ForkedJvm.Result result =
                ForkedJvm.run(SessionFaultMain.class, List.of(), List.of("exit", folder.toString()), CLASS_PATH);
        assertThat(result.exit()).as(result.output()).isZero();
        long fired = number(result.output(), "fired: (\\d+)");
        assertThat(SessionTest.events(folder)).hasSize((int) fired);
        Babeltrace.Run run = Babeltrace.run(folder);
        assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isZero();
        assertThat(run.stdout().stream().filter(l -> l.contains("fault:work")).count())
                .isEqualTo(fired);
    }

    private static long number(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        assertThat(m.find()).as("%s in:%n%s", regex, output).isTrue();
        return Long.parseLong(m.group(1));
    }
}
