package io.tracepoint4j.ctf;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.testkit.InvokeDynamicSites;
import org.junit.jupiter.api.Test;

/**
 * The ctf module's classes contain no invokedynamic: a tracer calls EventEncoder, Packets and
 * StreamFile from any thread, possibly near its stack limit, where a call site whose first linkage
 * fails fails for good (see {@link InvokeDynamicSites}). The build compiles with {@code
 * -XDstringConcat=inline}; lambdas, method references, records and pattern switches are not used.
 */
class NoInvokeDynamicTest {

    @Test
    void theRuntimeClassesHaveNoInvokeDynamic() {
        assertThat(InvokeDynamicSites.besides(EventEncoder.class))
                .as("invokedynamic call sites in module io.tracepoint4j.ctf")
                .isEmpty();
    }
}
