package io.tracepoint4j.rcu;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.testkit.InvokeDynamicSites;
import java.nio.file.Path;
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
    void theRuntimeClassesHaveNoInvokeDynamic() throws Exception {
        Path classes = Path.of(RcuDomain.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        assertThat(classes.resolve("io/tracepoint4j/rcu/SrcuDomain.class")).exists();
        assertThat(InvokeDynamicSites.in(classes))
                .as("invokedynamic call sites in %s", classes)
                .isEmpty();
    }
}
