package io.tracepoint4j.rcu;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.testkit.InvokeDynamicSites;
import org.junit.jupiter.api.Test;

/**
 * The rcu module's classes contain no invokedynamic: a call site whose first linkage fails (in a
 * thread near its stack limit) fails for good, in every thread, and would take its domain down
 * with it (see {@link InvokeDynamicSites}). The build compiles with {@code
 * -XDstringConcat=inline}; lambdas, method references and records' generated methods are written
 * out. StackOverflowTest shows what the rule prevents.
 */
class NoInvokeDynamicTest {

    @Test
    void theRuntimeClassesHaveNoInvokeDynamic() {
        assertThat(InvokeDynamicSites.besides(SrcuEngine.class))
                .as("invokedynamic call sites in module io.tracepoint4j.rcu")
                .isEmpty();
    }
}
