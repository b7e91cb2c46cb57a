package io.tracepoint4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.rcu.Srcu;
import io.tracepoint4j.testkit.ForkedJvm;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A blocking probe of a regular tracepoint: the stall report names the tracepoint and the fix. */
class StallAdviceTest {

    @Test
    void theStallReportOfABlockingRegularProbeNamesItsTracepointAndSuggestsDefineFaultable() {
        ForkedJvm.Result r = blockWithAShortStallTimeout();
        assertThat(r.output())
                .contains("RCU stall in rcu domain 'tracepoint4j-regular'")
                .contains("thread 'firing-thread'")
                .contains("inside a probe of a regular tracepoint, by its stack test:blocking_regular (probe code in "
                        + BlockingRegularProbeMain.BlockingProbe.class.getName() + ")")
                .contains("define its tracepoint with Tracepoint.defineFaultable(...)")
                .contains("synchronizeUnregister returned");
    }

    /**
     * A faultable tracepoint fired from a regular probe runs its probes inside the regular firing's
     * section: its blocking probe stalls the regular domain, and the report says so, naming both
     * (a black-box test found the README promising that a blocked faultable probe never delays
     * regular tracepoints; a warning at every such firing cost each faultable firing 10 ns).
     */
    @Test
    void theStallReportOfAFaultableProbeBlockingInsideARegularProbeSaysSoAndNamesBoth() {
        ForkedJvm.Result r = blockWithAShortStallTimeout("nested");
        assertThat(r.output())
                .contains("RCU stall in rcu domain 'tracepoint4j-regular'")
                .contains("thread 'firing-thread'")
                .contains("inside a probe of a faultable tracepoint, by its stack test:inner_faultable (probe code in "
                        + BlockingRegularProbeMain.BlockingProbe.class.getName() + "), fired from a probe of a"
                        + " regular tracepoint (test:outer_regular (probe code in "
                        + BlockingRegularProbeMain.FiresInner.class.getName() + "))")
                .contains("Fire the faultable tracepoint outside the regular probe")
                .contains("synchronizeUnregister returned");
    }

    /** BlockingRegularProbeMain in a JVM whose stall timeout is 200 ms, its probe released after 1.5 s. */
    private static ForkedJvm.Result blockWithAShortStallTimeout(String... mode) {
        List<String> args = new java.util.ArrayList<>(List.of("1500"));
        args.addAll(List.of(mode));
        ForkedJvm.Result r = ForkedJvm.run(
                BlockingRegularProbeMain.class,
                List.of("-ea", "--enable-native-access=ALL-UNNAMED", "-Dtracepoint4j.rcu.stallTimeoutMillis=200"),
                args,
                Tracepoint.class,
                Srcu.class);
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        return r;
    }
}
