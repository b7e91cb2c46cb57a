package io.tracepoint4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.testkit.ForkedJvm;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Defining is cheap because it sets nothing up (DefineStartsNothingMain, in a fresh JVM, where no
 * domain exists yet): the domains and the read side's set-up wait for the first registration.
 */
class DefineStartsNothingTest {

    @Test
    void definingCreatesNoDomainAndStartsNoThread() {
        ForkedJvm.Result r = ForkedJvm.run(
                DefineStartsNothingMain.class,
                List.of("-ea", "--enable-native-access=ALL-UNNAMED"),
                List.of(),
                Tracepoint.class,
                RcuDomain.class);
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("threads after defining: []").endsWith("OK\n");
    }
}
