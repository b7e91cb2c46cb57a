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
        ForkedJvm.Result r = ForkedJvm.run(
                BlockingRegularProbeMain.class,
                List.of("-ea", "--enable-native-access=ALL-UNNAMED", "-Dtracepoint4j.rcu.stallTimeoutMillis=200"),
                List.of("1500"),
                Tracepoint.class,
                Srcu.class);
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output())
                .contains("RCU stall in rcu domain 'tracepoint4j-regular'")
                .contains("thread 'firing-thread'")
                .contains("inside a probe of a regular tracepoint, by its stack test:blocking_regular (probe code in "
                        + BlockingRegularProbeMain.BlockingProbe.class.getName() + ")")
                .contains("define its tracepoint with Tracepoint.defineFaultable(...)")
                .contains("synchronizeUnregister returned");
    }
}
