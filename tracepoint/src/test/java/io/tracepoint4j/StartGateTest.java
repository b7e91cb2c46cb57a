package io.tracepoint4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.control.StartGate;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.testkit.ForkedJvm;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The start gate (StartGate): a JVM whose parent is the tool its environment names waits at its
 * first define until the tool opens the gate, exits, or 10 s pass; every other JVM never waits, and
 * no define after the first does. Each case runs StartGateMain in a JVM of its own, the test's JVM
 * (or a shell) standing in for the tool. The margins are seconds wide: these are behaviours, not
 * speeds.
 */
class StartGateTest {
    private static final Pattern LINE =
            Pattern.compile("waited (\\d+) ms, parent (running|gone), second define (\\d+) ms, ran on: (.*)");
    private static final long WAIT_MILLIS = StartGate.WAIT_SECONDS * 1000;

    /** @param ranOn StartGate.ranOnWithoutTool(), what the tool is told: "null" if it waited for the go */
    private record Outcome(long waitedMillis, boolean parentRunning, long secondMillis, String ranOn) {}

    private static Outcome outcome(ForkedJvm.Result r) {
        Matcher m = LINE.matcher(r.output());
        assertThat(m.find()).as("output:%n%s", r.output()).isTrue();
        return new Outcome(
                Long.parseLong(m.group(1)), m.group(2).equals("running"), Long.parseLong(m.group(3)), m.group(4));
    }

    private static Outcome runWithToolPid(String toolPid, String... args) {
        ForkedJvm.Result r = ForkedJvm.runWithEnvironment(
                Map.of(StartGate.TOOL_PID_VARIABLE, toolPid),
                StartGateMain.class,
                List.of(),
                List.of(args),
                Tracepoint.class,
                RcuDomain.class);
        assertThat(r.exit()).as("output:%n%s", r.output()).isZero();
        return outcome(r);
    }

    private static String thisJvm() {
        return Long.toString(ProcessHandle.current().pid());
    }

    @Test
    void aCommandRunsOnWhenTheToolOpensTheGate() {
        Outcome o = runWithToolPid(thisJvm(), "1000", "main");
        assertThat(o.waitedMillis())
                .as("held until the go, 1 s after the start")
                .isBetween(500L, WAIT_MILLIS / 2);
        assertThat(o.secondMillis()).as("the second define never waits").isLessThan(WAIT_MILLIS / 2);
        assertThat(o.ranOn())
                .as("it waited for the go: nothing to tell the tool")
                .isEqualTo("null");
    }

    /**
     * The usual static final tracepoint: defined in a plain application class's initializer, it
     * waits; also in an application package below io.tracepoint4j (the examples'), and with an
     * enum argument, even one whose initializer reads the class being initialized: the defining
     * thread initializes the enum before it waits, so the tool's thread (here the opener, which
     * initializes the enums first, as the tool's session does) never waits for that class. An
     * enum argument used to make the first define run on without waiting, and tp counted
     * nothing of a short command (found by a black-box test).
     */
    @ParameterizedTest
    @ValueSource(strings = {"plain", "application", "enumArgument", "enumNeedingItsHolder"})
    void aPlainClassInitializerWaits(String where) {
        Outcome o = runWithToolPid(thisJvm(), "1000", where);
        assertThat(o.waitedMillis()).as("held until the go").isBetween(500L, WAIT_MILLIS / 2);
        assertThat(o.ranOn()).isEqualTo("null");
    }

    /**
     * Where the tool's attach could need what the waiting thread holds, the first define does not
     * wait (and no later one does): a lifecycle hook (the application's code, run on the tool's
     * thread), an enum's initializer, tracepoint4j's own. Waiting there deadlocked: the tool's thread blocked on the class being initialized while
     * holding the session's lock, which the waiting thread's next define needed once the wait ended.
     */
    @ParameterizedTest
    @ValueSource(strings = {"hooked", "enum", "own"})
    void noDefineWaitsWhereTheToolCouldNeedWhatItsThreadHolds(String where) {
        Outcome o = runWithToolPid(thisJvm(), "-", where);
        assertThat(o.waitedMillis()).as(where).isLessThan(WAIT_MILLIS / 2);
        assertThat(o.secondMillis())
                .as("the second define does not wait either")
                .isLessThan(WAIT_MILLIS / 2);
        assertThat(o.ranOn()).as("what the tool is told").contains("where it must not wait for tp");
    }

    @Test
    void aCommandWhoseToolNeverSaysGoRunsOnAfterTheWait() {
        Outcome o = runWithToolPid(thisJvm(), "-", "main");
        assertThat(o.waitedMillis()).as("bounded").isBetween(WAIT_MILLIS - 500, 3 * WAIT_MILLIS);
        assertThat(o.ranOn())
                .isEqualTo("it waited " + StartGate.WAIT_SECONDS + " s for tp at its first tracepoint, then ran on");
        assertThat(o.parentRunning()).isTrue();
        assertThat(o.secondMillis()).as("the second define never waits").isLessThan(WAIT_MILLIS / 2);
    }

    @Test
    void aJvmWhoseParentIsNotTheNamedToolNeverWaits() {
        Outcome o = runWithToolPid(
                "1", "-", "main"); // a process that runs, but is not its parent: a JVM the command started
        assertThat(o.waitedMillis()).isLessThan(WAIT_MILLIS / 2);
        assertThat(o.parentRunning()).isTrue();
    }

    @Test
    void aCommandRunsOnWhenItsToolExits() {
        // bash, the tool here, starts the JVM in the background naming itself, and exits after 3 s
        ForkedJvm.Result r = ForkedJvm.runInShell(
                StartGate.TOOL_PID_VARIABLE + "=$$ \"$0\" \"$@\" & sleep 3",
                StartGateMain.class,
                List.of(),
                List.of("-", "main"),
                Tracepoint.class,
                RcuDomain.class);
        Outcome o = outcome(r);
        assertThat(o.parentRunning()).as("held until its tool was gone").isFalse();
        assertThat(o.waitedMillis()).as("not until the wait's end").isLessThan(WAIT_MILLIS - 1000);
    }
}
