package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ctf.CtfTrace;
import io.tracepoint4j.rcu.Srcu;
import io.tracepoint4j.ringbuffer.RingBuffer;
import io.tracepoint4j.testkit.Babeltrace;
import io.tracepoint4j.testkit.ForkedJvm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A recorded firing that a StackOverflowError cuts short inside the session's writer (instrumented
 * code recursing to the stack's limit, which catches the error) costs the session neither its stop
 * nor the rest of its trace: {@link AbandonedRecordMain}, at -Xint so that every call checks the
 * stack, overflows 40 times while a session records every level. The stop returns; babeltrace2
 * reads the trace; in a thread's own buffer each record the overflow cut short is a {@code
 * tracepoint4j:abandoned} event and nothing is lost; in a shared buffer (a virtual thread) the
 * packets such records held up are dropped and counted. Either way the events in the trace and those
 * counted lost make the firings that returned, plus at most one per overflow (a firing that threw
 * after its record was complete).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class AbandonedRecordTest {
    private static final Class<?>[] CLASS_PATH = {
        Session.class, Tracepoint.class, Srcu.class, RingBuffer.class, CtfTrace.class
    };
    private static final int OVERFLOWS = 40;

    @ParameterizedTest
    @ValueSource(strings = {"platform", "virtual"})
    void firingsCutShortByAStackOverflowNeitherHangTheStopNorLoseEventsSilently(String thread, @TempDir Path dir)
            throws IOException {
        Path folder = dir.resolve("trace");
        ForkedJvm.Result result = runMain(folder, thread);
        assertThat(result.output())
                .as("the stop returned")
                .contains("stopped: ")
                .doesNotContain("stop hung");
        assertThat(result.exit()).as(result.output()).isZero();
        long fired = number(result.output(), "fired: (\\d+)");
        long lost = number(result.output(), "stopped: trace in .*, lost (\\d+)");

        Babeltrace.Run run = Babeltrace.run(folder);
        assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isZero();
        long steps =
                run.stdout().stream().filter(l -> l.contains(" abandon:step: ")).count();
        long abandoned = run.stdout().stream()
                .filter(l -> l.contains(" tracepoint4j:abandoned: { note = \"thread "))
                .count();
        long threadEvents = run.stdout().stream()
                .filter(l -> l.contains(" tracepoint4j:thread: "))
                .count();
        assertThat(SessionTest.events(folder))
                .as("the Java reader reads what babeltrace2 prints (thread events aside)")
                .hasSize((int) (run.stdout().size() - threadEvents));
        assertThat(steps + lost)
                .as("events %d and lost %d against %d firings that returned", steps, lost, fired)
                .isBetween(fired, fired + OVERFLOWS);
        assertThat(abandoned).isLessThanOrEqualTo(OVERFLOWS);
        if (thread.equals("platform")) {
            assertThat(abandoned)
                    .as("records cut short, rewritten: the case is exercised")
                    .isPositive();
            assertThat(number(result.output(), "lost to abandoned records: (\\d+)"))
                    .as("its own buffer lost nothing to them, dropped or held up (a loaded machine's drain may"
                            + " fall behind: BUFFER_FULL)")
                    .isZero();
            assertThat(result.output()).contains(abandoned + " are in the trace as tracepoint4j:abandoned events");
        } else {
            assertThat(result.output()).contains("events of other firings were lost with the packets");
            assertThat(number(result.output(), "dropped while recording: (\\d+)"))
                    .as("the drain dropped held-up packets while the session recorded, not only at the stop")
                    .isPositive();
        }
    }

    /**
     * A thread that left a section open and does not record again holds the stop up, as it must
     * (nothing but the thread knows the section is abandoned): the stall report names it and says
     * what ends the wait, and its next firing of a tracepoint the session records does, while the
     * stop waits (recording has stopped: that firing records nothing).
     */
    @Test
    void aThreadThatLeftASectionOpenHoldsTheStopUntilItRecordsAgainAndTheStallReportSaysSo(@TempDir Path dir)
            throws IOException {
        Path folder = dir.resolve("trace");
        ForkedJvm.Result result = runMain(folder, "idle", "-Dtracepoint4j.rcu.stallTimeoutMillis=500");
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(number(result.output(), "drained while the section was held: (\\d+)"))
                .as("the drain went on writing the other thread's packets (it does not wait for a grace period)")
                .isGreaterThanOrEqualTo(10_000);
        assertThat(result.output())
                .contains("stop waits for the thread")
                .contains("thread 'recursing'")
                .contains("The thread is in no firing session abandon records: one of its firings, cut short by an"
                        + " error (a StackOverflowError caught in code that recursed to the stack's limit), left this"
                        + " section open. Its next firing the session records ends it")
                .contains("stopped: ");
        Babeltrace.Run run = Babeltrace.run(folder);
        assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isZero();
        assertThat(run.stdout())
                .as("the firing that ended the section came after recording stopped")
                .anyMatch(l -> l.contains("where = \"recursing\""))
                .noneMatch(l -> l.contains("after the overflow"));
    }

    /**
     * The JVM exits while the session runs and a thread that left a section open waits for good:
     * the exit hook waits for it a while, says why it gives up (on System.err: the logger may be
     * closed by then), and lets the JVM exit; the trace holds the packets written before.
     */
    @Test
    void theJvmExitsWhileAThreadThatLeftASectionOpenWaitsForGood(@TempDir Path dir) throws IOException {
        Path folder = dir.resolve("trace");
        ForkedJvm.Result result = runMain(folder, "idle-exit", "-Dtracepoint4j.rcu.stallTimeoutMillis=500");
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output())
                .contains("session abandon: the JVM exits while a thread is still inside one of the session's sections"
                        + " after 12 s")
                .contains("The session is not stopped: its trace in " + folder + " ends with the packets written");
        Babeltrace.Run run = Babeltrace.run(folder);
        assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isZero();
    }

    /** AbandonedRecordMain in a JVM of its own, interpreted (every call checks the stack), recording into {@code folder}. */
    private static ForkedJvm.Result runMain(Path folder, String mode, String... jvmOptions) {
        List<String> options = new java.util.ArrayList<>(List.of("-Xint"));
        options.addAll(List.of(jvmOptions));
        return ForkedJvm.run(AbandonedRecordMain.class, options, List.of(folder.toString(), mode), CLASS_PATH);
    }

    private static long number(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        assertThat(m.find()).as("%s in:%n%s", regex, output).isTrue();
        return Long.parseLong(m.group(1));
    }
}
