package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.control.StartGate;
import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command tp starts that is over before tp could attach to it (BriefTarget, a few milliseconds
 * of firing): it waits at its first tracepoint until tp says go (StartGate), so that record, stat
 * and hist see every firing, including those of a tracepoint it defines after that first one.
 * Without the gate each of these fails: the command exits while tp attaches.
 */
class BriefCommandTest {
    private static Object[] command(Object... tp) {
        return TargetProcesses.startingCommand(BriefTarget.class, tp);
    }

    @Test
    void theVariableIsTheOneTheGateReads() {
        assertThat(TargetOption.TOOL_PID_VARIABLE).isEqualTo(StartGate.TOOL_PID_VARIABLE);
    }

    /**
     * A command that fails before tp attaches: said, and with `java` alone, which java ran (PATH's):
     * a java older than 25 fails on tracepoint4j's classes.
     */
    @Test
    void aCommandThatFailsBeforeTpAttachesIsSaidWithTheJavaItRan() {
        TpCommand stat = TpCommand.run("stat", "-e", "brief:*", "--", "java", "-no-such-option");
        assertThat(stat.status()).isEqualTo(1);
        assertThat(stat.err().strip())
                .as("the last line (a slow machine may have said the wait first)")
                .endsWith("tp stat: java -no-such-option exited (status 1) before tp could attach: it defined no"
                        + " tracepoint, or did not wait for tp at its first (java is the"
                        + " first on your PATH: if that is older than Java 25, give a JDK 25's full path, e.g. the"
                        + " one tp runs on: -- " + System.getProperty("java.home") + "/bin/java ...)");
    }

    /**
     * A command that takes long to define a tracepoint, or never does: after 5 s the wait is said,
     * with its limit. It used to wait its 60 s in silence.
     */
    @Test
    void aLongWaitForTheCommandsFirstTracepointIsSaid() {
        TpCommand stat = TpCommand.run("stat", "-e", "brief:*", "--duration", "1", "--", "sleep", "6");
        assertThat(stat.status()).isEqualTo(1);
        assertThat(stat.err())
                .containsPattern("tp stat: PID \\d+ has defined no tracepoint yet; waiting for its first, 60 s at most"
                        + " \\(--duration counts from there\\)")
                .contains("tp stat: sleep 6 exited (status 0) before tp could attach: it defined no tracepoint, or did"
                        + " not wait for tp at its first")
                .doesNotContain("java is the first on your PATH");
    }

    @Test
    void statCountsEveryFiringOfABriefCommand() {
        TpCommand stat = TpCommand.run(command("stat", "-e", "brief:*"));
        assertThat(stat.status()).as(stat.err()).isZero();
        assertThat(stat.out())
                .containsPattern(" +1,000 +[0-9,.]+  brief:tick")
                .containsPattern(" +1,000 +[0-9,.]+  brief:tock");
    }

    @Test
    void histMeasuresATracepointTheBriefCommandDefinesAfterItsFirst() {
        TpCommand hist = TpCommand.run(command("hist", "-e", "brief:tock", "--field", "n"));
        assertThat(hist.status()).as(hist.err()).isZero();
        assertThat(hist.out())
                .startsWith("histogram of brief:tock n in PID ")
                .contains("(not defined yet; the first defined that it matches)")
                .contains("measured: brief:tock")
                .contains("count 1,000  min 0  max 999");
        assertThat(hist.err())
                .as("a command defines its tracepoints as it runs: not news")
                .isEmpty();
    }

    /**
     * A hist EVENT defined later without the field: the target could not measure it, and says why
     * as it exits (its last words), instead of a histogram of nothing with status 0.
     */
    @Test
    void histOfATracepointDefinedLaterWithoutTheFieldSaysSo() {
        TpCommand hist = TpCommand.run(command("hist", "-e", "brief:tock", "--field", "nope"));
        assertThat(hist.status()).as(hist.out()).isEqualTo(1);
        assertThat(hist.err())
                .containsPattern("tp hist: PID \\d+: tracepoint brief:tock has no argument nope; its"
                        + " arguments are \\[n\\]");
    }

    /**
     * A command whose first tracepoint has a lifecycle hook does not wait (the tool would run the
     * hook, the application's code, while the command's thread holds what it may need): the tool
     * says its first firings may be missing rather than leaving their absence unsaid.
     */
    @Test
    void aCommandThatDidNotWaitIsSaid() {
        List<Object> args = new ArrayList<>(List.of(command("stat", "-e", "brief:*")));
        args.add("hooked");
        TpCommand stat = TpCommand.run(args.toArray());
        assertThat(stat.status()).as(stat.err()).isZero();
        assertThat(stat.err())
                .contains("tp stat: the command ran on before tp was ready: it defined its first tracepoint,"
                        + " brief:tick, where it must not wait for tp (a lifecycle hook, or a class initializer tp's"
                        + " attach may need); its first firings may be missing");
    }

    /** A bad --mode is refused before the command is started (it used to start, wait and be stopped). */
    @Test
    void aBadModeStartsNoCommand() {
        TpCommand record = TpCommand.run(command("record", "-e", "brief:*", "--mode", "sometimes"));
        assertThat(record.status()).isEqualTo(2);
        assertThat(record.err())
                .contains("--mode sometimes: use discard or overwrite")
                .doesNotContain("stopped PID");
    }

    @Test
    void recordWritesEveryFiringOfABriefCommand(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("brief");
        TpCommand record = TpCommand.run(command("record", "-e", "brief:*", "-o", folder));
        assertThat(record.status()).as(record.err()).isZero();
        assertThat(record.err())
                .as("a command defines its tracepoints as it runs: not news")
                .isEmpty();
        List<Long> ticks = new ArrayList<>();
        List<Long> tocks = new ArrayList<>();
        try (CtfReader reader = CtfReader.open(folder)) {
            for (CtfEvent event : reader) {
                if (event.name().equals("brief:tick")) {
                    ticks.add((Long) event.fields().get("n"));
                } else if (event.name().equals("brief:tock")) {
                    tocks.add((Long) event.fields().get("n"));
                }
            }
        }
        assertThat(ticks).hasSize(BriefTarget.FIRINGS).first().isEqualTo(0L);
        assertThat(tocks).hasSize(BriefTarget.FIRINGS);
        assertThat(record.out().lines().toList().getLast())
                .isEqualTo("events recorded: " + 2 * BriefTarget.FIRINGS + ", lost: 0");
    }
}
