package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.testkit.InvokeDynamicSites;
import org.junit.jupiter.api.Test;

/**
 * The tracer module's classes contain no invokedynamic: its writers run in probes, which may run
 * near a thread's stack limit, where a call site's first linkage can fail, and a failed linkage
 * fails for good in every thread (JVMS 5.4.3.6).
 */
class NoInvokeDynamicTest {

    @Test
    void theRuntimeClassesHaveNoInvokeDynamic() {
        assertThat(InvokeDynamicSites.besides(TraceClock.class))
                .as("invokedynamic call sites in module io.tracepoint4j.tracer")
                .isEmpty();
    }
}
