package io.tracepoint4j.torture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tracepoint torture: a short run of the real library finds no call after
 * synchronizeUnregister and no missed firing while doing real work, detaches included; skipping
 * synchronizeUnregister, after an unregister or after a detach, or register(), is caught, so the
 * detectors are proven. About 12 s on 2 cores.
 */
@Timeout(60)
class TracepointTortureTest {

    private static TracepointTorture.Settings shortRun(Duration duration) {
        return new TracepointTorture.Settings(
                duration, 2, 2, 2, Duration.ofNanos(500_000), Duration.ofSeconds(20), TracepointTorture.Breakage.NONE);
    }

    @Test
    void theRealLibraryViolatesNoOracle() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var commandLine = RcuTorture.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));

        int status = commandLine.execute(
                "--target", "tracepoints", "--seconds", "3", "--readers", "2", "--virtual-readers", "2");
        System.out.print(out);

        assertThat(status).as(out + "\n" + err).isEqualTo(RcuTorture.EXIT_OK);
        String[] lines = out.toString().strip().split("\\R");
        assertThat(lines[lines.length - 1]).isEqualTo("calls after synchronizeUnregister: 0");
        assertThat(out.toString()).contains("missed firings: 0, duplicate calls: 0, misrouted calls: 0");
        assertThat(out.toString()).contains("calls by firings begun after isRegistered() read false: 0");
    }

    @Test
    void aShortRunDoesRealWorkAndFindsNothing() {
        TracepointTorture.Report report = TracepointTorture.run(shortRun(Duration.ofSeconds(2)), System.err);
        System.out.print(report.format());

        assertThat(report.failures()).as(report.format()).isEmpty();
        assertThat(report.callsAfterSynchronize()).as(report.format()).isZero();
        assertThat(report.missed()).as(report.format()).isZero();
        assertThat(report.duplicates()).as(report.format()).isZero();
        assertThat(report.misrouted()).as(report.format()).isZero();
        assertThat(report.callsAfterSeenGone()).as(report.format()).isZero();
        assertThat(report.exitCode()).isEqualTo(RcuTorture.EXIT_OK);
        assertThat(report.firings()).as("firings").isPositive();
        assertThat(report.checkedFirings())
                .as("firings made entirely while a probe was registered")
                .isPositive();
        assertThat(report.probeCalls()).as("probe calls").isPositive();
        assertThat(report.blockingCalls()).as("faultable probes that blocked").isPositive();
        assertThat(report.registrations()).as("registrations").isPositive();
        assertThat(report.detaches()).as("probes detached by the library").isPositive();
        assertThat(report.unregistrations() + report.detaches())
                .as("unregistrations + detaches")
                .isEqualTo(report.registrations());
        assertThat(report.synchronizeCalls()).as("synchronizeUnregister calls").isPositive();
    }

    @Test
    void skippingSynchronizeUnregisterIsCaught() {
        TracepointTorture.Report report = TracepointTorture.run(
                shortRun(Duration.ofSeconds(2)).broken(TracepointTorture.Breakage.SKIP_SYNCHRONIZE), System.err);
        System.out.print(report.format());

        assertThat(report.callsAfterSynchronize()).as(report.format()).isPositive();
        assertThat(report.exitCode()).isEqualTo(RcuTorture.EXIT_TOO_SHORT);
        assertThat(report.format())
                .endsWith("calls after synchronizeUnregister: " + report.callsAfterSynchronize()
                        + System.lineSeparator());
    }

    /**
     * The detach case watches what issue 10 broke: a detached probe marked SYNCHRONIZED as soon as
     * isRegistered() reads false, without a synchronizeUnregister(), is still called.
     */
    @Test
    void skippingSynchronizeUnregisterAfterADetachIsCaught() {
        TracepointTorture.Report report = TracepointTorture.run(
                shortRun(Duration.ofSeconds(2)).broken(TracepointTorture.Breakage.SKIP_DETACH_WAIT), System.err);
        System.out.print(report.format());

        assertThat(report.detaches()).as(report.format()).isPositive();
        assertThat(report.callsAfterSynchronize()).as(report.format()).isPositive();
        assertThat(report.missed()).as(report.format()).isZero();
        assertThat(report.callsAfterSeenGone()).as(report.format()).isZero();
        assertThat(report.exitCode()).isEqualTo(RcuTorture.EXIT_TOO_SHORT);
        assertThat(report.format())
                .endsWith("calls after synchronizeUnregister: " + report.callsAfterSynchronize()
                        + System.lineSeparator());
    }

    /** Oracle 8: a firing made before the detached probe was seen gone reaches it, and is caught. */
    @Test
    void firingBeforeADetachIsOverIsCaught() {
        TracepointTorture.Report report = TracepointTorture.run(
                shortRun(Duration.ofSeconds(1)).broken(TracepointTorture.Breakage.FIRE_BEFORE_DETACH), System.err);
        System.out.print(report.format());

        assertThat(report.callsAfterSeenGone()).as(report.format()).isPositive();
        assertThat(report.callsAfterSynchronize()).as(report.format()).isZero();
        assertThat(report.exitCode()).isEqualTo(RcuTorture.EXIT_TOO_SHORT);
    }

    @Test
    void aFiringThatDoesNotReachARegisteredProbeIsCaught() {
        TracepointTorture.Report report = TracepointTorture.run(
                shortRun(Duration.ofSeconds(1)).broken(TracepointTorture.Breakage.SKIP_REGISTER), System.err);
        System.out.print(report.format());

        assertThat(report.missed()).as(report.format()).isPositive();
        assertThat(report.callsAfterSynchronize()).as(report.format()).isZero();
        assertThat(report.exitCode()).isEqualTo(RcuTorture.EXIT_TOO_SHORT);
    }
}
