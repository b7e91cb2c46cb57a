package io.tracepoint4j.torture;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.Srcu;
import io.tracepoint4j.torture.BrokenSrcu.Breakage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

/**
 * The torture harness, layer by layer: short runs of each real flavor find nothing wrong and do
 * real work; a broken flavor is caught, and so is a hung one; the command line parses and refuses
 * as documented. About 20 s on 2 cores.
 */
class RcuTortureTest {

    /** Small enough for a 2-core CI machine, busy enough to preempt readers inside sections. */
    private static TortureSettings shortRun(Duration duration, int blockingReaders) {
        return TortureSettings.defaults()
                .withDuration(duration)
                .withReaders(2, 2, blockingReaders)
                .withUpdaters(2)
                .withStallTimeout(Duration.ofSeconds(20));
    }

    @Nested
    @Timeout(60)
    class RealFlavors {

        @Test
        void srcuWithVirtualAndBlockingReadersHasNoTooShortGracePeriod() {
            FlavorReport report = FlavorTorture.run(
                    "srcu", Srcu.create("torture-test-srcu"), shortRun(Duration.ofSeconds(3), 2), System.err);

            assertClean(report);
            assertThat(report.blockedReads()).as("reads that blocked inside").isPositive();
            assertThat(report.handedOffReads())
                    .as("reads ended on another thread")
                    .isPositive();
        }

        @Test
        void classicRcuHasNoTooShortGracePeriod() {
            FlavorReport report = FlavorTorture.run(
                    "rcu", ClassicRcu.create("torture-test-rcu"), shortRun(Duration.ofSeconds(3), 0), System.err);

            assertClean(report);
        }

        private void assertClean(FlavorReport report) {
            System.out.print(report.format());
            assertThat(report.failures()).as(report.format()).isEmpty();
            assertThat(report.tooShortGracePeriods()).as(report.format()).isZero();
            assertThat(report.reads()).as("reads").isPositive();
            assertThat(report.nestedReads()).as("nested reads").isPositive();
            assertThat(report.stackOverflows())
                    .as("stack overflows of the overflowing reader")
                    .isPositive();
            assertThat(report.readsAtAge(1))
                    .as("reads that overlapped a replacement (else the run proves nothing)")
                    .isPositive();
            assertThat(report.gracePeriods()).as("grace periods").isPositive();
            assertThat(report.callbacksInvoked()).as("callbacks").isPositive().isEqualTo(report.callbacksQueued());
            assertThat(report.freed()).as("objects freed").isPositive();
            for (GpMethod method : GpMethod.values()) {
                assertThat(report.updates(method))
                        .as("updates by " + method.label())
                        .isPositive();
            }
            assertThat(report.barrierChecks()).as("barrier checks").isPositive();
        }
    }

    @Nested
    @Timeout(60)
    class BrokenFlavors {

        @ParameterizedTest
        @EnumSource(names = {"SYNCHRONIZE", "CALL", "POLL"})
        void skippingTheWaitIsCaughtWithinASecondAndAHalf(Breakage breakage) {
            BrokenSrcu broken = new BrokenSrcu(Srcu.create("torture-broken-" + breakage), Set.of(breakage));

            FlavorReport report =
                    FlavorTorture.run("broken-" + breakage, broken, shortRun(Duration.ofMillis(1500), 1), System.err);
            System.out.print(report.format());

            assertThat(report.tooShortGracePeriods()).as(report.format()).isPositive();
            assertThat(report.tooShortSamples()).isNotEmpty();
            assertThat(RcuTorture.exitCode(List.of(report))).isEqualTo(RcuTorture.EXIT_TOO_SHORT);
        }

        @Test
        void aHungGracePeriodIsReportedNotWaitedFor() {
            Srcu real = Srcu.create("torture-hung");
            BrokenSrcu hung = new BrokenSrcu(real, EnumSet.of(Breakage.HANG_SYNCHRONIZE));
            ByteArrayOutputStream stacks = new ByteArrayOutputStream();
            TortureSettings settings = shortRun(Duration.ofSeconds(30), 0)
                    .withMethods(EnumSet.of(GpMethod.SYNCHRONIZE))
                    .withStallTimeout(Duration.ofSeconds(1));
            long start = System.nanoTime();
            FlavorReport report;
            try {
                report = FlavorTorture.run(
                        "hung", hung, settings, new PrintStream(stacks, true, StandardCharsets.UTF_8));
            } finally {
                hung.release();
            }

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(report.failures())
                    .anyMatch(f -> f.contains("made no progress"))
                    .anyMatch(f -> f.contains("did not stop"));
            assertThat(stacks.toString(StandardCharsets.UTF_8)).contains("awaitRelease");
            assertThat(RcuTorture.exitCode(List.of(report))).isEqualTo(RcuTorture.EXIT_FAILED);
        }
    }

    @Nested
    class CommandLineOptions {

        private final StringWriter out = new StringWriter();
        private final StringWriter err = new StringWriter();

        private int execute(String... args) {
            CommandLine commandLine = RcuTorture.commandLine();
            commandLine.setOut(new PrintWriter(out, true));
            commandLine.setErr(new PrintWriter(err, true));
            return commandLine.execute(args);
        }

        private RcuTorture parse(String... args) {
            CommandLine commandLine = RcuTorture.commandLine();
            commandLine.parseArgs(args);
            return commandLine.getCommand();
        }

        @Test
        void defaultsTortureBothFlavorsWithBlockingReadersForSrcuOnly() {
            RcuTorture torture = parse();
            int cores = Runtime.getRuntime().availableProcessors();

            assertThat(torture.flavors()).containsExactly(RcuTorture.Flavor.SRCU, RcuTorture.Flavor.RCU);
            TortureSettings srcu = torture.settingsFor(RcuTorture.Flavor.SRCU);
            assertThat(srcu.duration()).isEqualTo(Duration.ofSeconds(10));
            assertThat(srcu.readers()).isEqualTo(2 * cores);
            assertThat(srcu.virtualReaders()).isEqualTo(cores);
            assertThat(srcu.blockingReaders()).isEqualTo(1);
            assertThat(srcu.updaters()).isEqualTo(2);
            assertThat(srcu.methods()).containsExactlyInAnyOrder(GpMethod.values());
            assertThat(torture.settingsFor(RcuTorture.Flavor.RCU).blockingReaders())
                    .isZero();
        }

        @Test
        void everyOptionReachesTheSettings() {
            RcuTorture torture = parse(
                    "--flavor",
                    "SRCU",
                    "--seconds",
                    "3",
                    "--readers",
                    "1",
                    "--virtual-readers",
                    "0",
                    "--blocking-readers",
                    "4",
                    "--overflowing-readers",
                    "2",
                    "--updaters",
                    "3",
                    "--reader-delay-us",
                    "7",
                    "--updater-delay-us",
                    "0",
                    "--block-us",
                    "200",
                    "--methods",
                    "call,POLL",
                    "--stall-seconds",
                    "5",
                    "--target",
                    "rcu");

            assertThat(torture.flavors()).containsExactly(RcuTorture.Flavor.SRCU);
            assertThat(torture.settingsFor(RcuTorture.Flavor.SRCU))
                    .isEqualTo(new TortureSettings(
                            Duration.ofSeconds(3),
                            1,
                            0,
                            4,
                            2,
                            3,
                            Duration.ofNanos(7_000),
                            Duration.ZERO,
                            Duration.ofNanos(200_000),
                            EnumSet.of(GpMethod.CALL, GpMethod.POLL),
                            Duration.ofSeconds(5)));
        }

        @Test
        void aShortRunPrintsTheSummaryLineLastAndExitsZero() {
            int status = execute(
                    "--flavor", "rcu", "--seconds", "1", "--readers", "1", "--virtual-readers", "1", "--updaters", "1");

            String[] lines = out.toString().split("\\R");
            assertThat(status).as(out + "\n" + err).isEqualTo(RcuTorture.EXIT_OK);
            assertThat(lines[lines.length - 1]).isEqualTo("too-short grace periods: 0");
            assertThat(out.toString())
                    .contains(
                            "rcu: ",
                            "reads",
                            "updates",
                            "grace periods",
                            "callbacks invoked",
                            "age histogram",
                            " 10+: ");
        }

        @Test
        void theTargetIsRcuTracepointsOrTracer() {
            assertThat(execute("--target", "tracepoints", "--methods", "call")).isEqualTo(RcuTorture.EXIT_USAGE);
            assertThat(err.toString()).contains("are for --target rcu only");
            assertThat(execute("--target", "kernel")).isEqualTo(RcuTorture.EXIT_USAGE);
            assertThat(err.toString()).contains("--target must be rcu, tracepoints or tracer");
        }

        @Test
        void blockingReadersAreRefusedForClassicRcu() {
            assertThat(execute("--flavor", "rcu", "--blocking-readers", "1")).isEqualTo(RcuTorture.EXIT_USAGE);
            assertThat(err.toString()).contains("--blocking-readers is for srcu only");
        }

        @Test
        void badValuesAreRefusedWithTheOptionNamed() {
            assertRefused("--flavor must be srcu, rcu or all, was 'tree'", "--flavor", "tree");
            assertRefused("--seconds must be at least 1", "--seconds", "0");
            assertRefused("--readers must be at least 0", "--readers", "-1");
            assertRefused("--updaters must be at least 1", "--updaters", "0");
            assertRefused(
                    "no readers",
                    "--readers",
                    "0",
                    "--virtual-readers",
                    "0",
                    "--blocking-readers",
                    "0",
                    "--overflowing-readers",
                    "0");
            assertRefused("--overflowing-readers must be at least 0", "--overflowing-readers", "-1");
            assertRefused("--reader-delay-us must not be negative", "--reader-delay-us", "-5");
            assertRefused("--stall-seconds must be at least 1", "--stall-seconds", "0");
            assertRefused("'--seconds'", "--seconds", "ten");
            assertRefused("--methods", "--methods", "rcu_barrier");
            assertRefused("Unknown option", "--fast");
        }

        private void assertRefused(String message, String... args) {
            err.getBuffer().setLength(0);
            assertThat(execute(args)).as(String.join(" ", args)).isEqualTo(RcuTorture.EXIT_USAGE);
            assertThat(err.toString())
                    .as(String.join(" ", args))
                    .contains(message)
                    .endsWith("(tp torture --help lists the options)" + System.lineSeparator())
                    .hasLineCount(1); // not the whole help
            assertThat(out.toString()).doesNotContain("too-short grace periods:");
        }
    }
}
