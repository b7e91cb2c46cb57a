package io.tracepoint4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.testkit.ForkedJvm;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The failure reporter's thread lives only while some tracepoint has a probe, and comes back with
 * the next one (FailureReporterLifetimeMain, in a fresh JVM: other tests leave probes registered).
 * It used to stay for good after the first registration, a thread left in every JVM tp attached to.
 * On its way to its end it never waits for a blocked faultable probe: failures are reported and
 * probes detached meanwhile.
 */
class FailureReporterLifetimeTest {
    @Test
    void theReporterEndsWhenNoTracepointHasAProbeAndComesBackWithTheNext() {
        ForkedJvm.Result r = ForkedJvm.run(
                FailureReporterLifetimeMain.class,
                List.of("-ea", "--enable-native-access=ALL-UNNAMED"),
                List.of(),
                Tracepoint.class,
                RcuDomain.class);
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output()).endsWith("OK\n");
    }
}
