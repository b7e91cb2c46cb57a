package io.tracepoint4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.testkit.InvokeDynamicSites;
import org.junit.jupiter.api.Test;

/**
 * The tracepoint module's classes contain no invokedynamic ("no invokedynamic" in Tracepoint's
 * design note): a call site whose first linkage fails in a thread near its stack limit fails for
 * good, in every thread, so one overflow in a firing, a define or a detach would break the
 * tracepoint, or every later define, for the whole JVM. StackOverflowTest shows it for firings.
 */
class NoInvokeDynamicTest {

    @Test
    void theRuntimeClassesHaveNoInvokeDynamic() {
        assertThat(InvokeDynamicSites.besides(Tracepoint.class))
                .as("invokedynamic call sites in module io.tracepoint4j")
                .isEmpty();
    }
}
