package io.tracepoint4j.torture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tracer torture: a short run of the real tracer finds no torn, duplicate or misordered record
 * and exact accounting while sessions rotate and change rules; an application that races on the
 * bytes it fires, and firings counted before the sessions started, are caught, so the detectors are
 * proven. About 8 s on 2 cores.
 */
@Timeout(90)
class TracerTortureTest {

    private static TracerTorture.Settings shortRun(TracerTorture.Breakage breakage) {
        return new TracerTorture.Settings(
                Duration.ofSeconds(breakage == TracerTorture.Breakage.NONE ? 3 : 1), 1, 1, breakage);
    }

    @Test
    void theRealTracerViolatesNoOracleAndItsLastLineSaysSo() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var commandLine = RcuTorture.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));

        int status = commandLine.execute("--target", "tracer", "--seconds", "3", "--readers", "1");
        System.out.print(out);

        assertThat(status).as(out + "\n" + err).isEqualTo(RcuTorture.EXIT_OK);
        String[] lines = out.toString().strip().split("\\R");
        assertThat(lines[lines.length - 1]).isEqualTo("tracer errors: 0");
    }

    @Test
    void aShortRunDoesRealWork() {
        TracerTorture.Report report = TracerTorture.run(shortRun(TracerTorture.Breakage.NONE), System.err);
        System.out.print(report.format());

        assertThat(report.failures()).as(report.format()).isEmpty();
        assertThat(report.violated()).as(report.format()).isFalse();
        assertThat(report.rounds()).as("rounds").isGreaterThan(1);
        assertThat(report.recorded()).as("records read back").isPositive();
        assertThat(report.lost())
                .as("small buffers lose events, which must be counted")
                .isPositive();
        assertThat(report.rotations()).as("rotations").isPositive();
        assertThat(report.ruleChanges()).as("rule changes").isPositive();
        assertThat(report.lateRecorded()).as("late records read back").isPositive();
    }

    @Test
    void aRecordPlacedBeforeItsTimeIsCaught() {
        TracerTorture.Report report = TracerTorture.run(shortRun(TracerTorture.Breakage.LATE_CLAIMS_LATER), System.err);
        System.out.print(report.format());

        assertThat(report.misplaced()).as(report.format()).isPositive();
        assertThat(report.timeErrors()).as(report.format()).isZero();
    }

    @Test
    void anApplicationRacingOnTheBytesItFiresIsCaughtAsTornRecords() {
        TracerTorture.Report report = TracerTorture.run(shortRun(TracerTorture.Breakage.MUTATE_PAYLOAD), System.err);
        System.out.print(report.format());

        assertThat(report.torn()).as(report.format()).isPositive();
    }

    @Test
    void firingsBeforeTheSessionsStartedAreCaughtByTheAccounting() {
        TracerTorture.Report report = TracerTorture.run(shortRun(TracerTorture.Breakage.FIRE_BEFORE_START), System.err);
        System.out.print(report.format());

        assertThat(report.accountingErrors()).as(report.format()).isPositive();
        assertThat(report.torn()).as(report.format()).isZero();
    }
}
