package io.tracepoint4j.ringbuffer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.testkit.InvokeDynamicSites;
import org.junit.jupiter.api.Test;

/**
 * The ringbuffer module's classes contain no invokedynamic: writers reserve from probes that may run
 * near a thread's stack limit, where a call site's first linkage can fail, and a failed linkage
 * fails for good in every thread (JVMS 5.4.3.6).
 */
class NoInvokeDynamicTest {

    @Test
    void theRuntimeClassesHaveNoInvokeDynamic() {
        assertThat(InvokeDynamicSites.besides(RingBuffer.class))
                .as("invokedynamic call sites in module io.tracepoint4j.ringbuffer")
                .isEmpty();
    }
}
