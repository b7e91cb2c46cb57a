package io.tracepoint4j.ctf;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.testkit.Babeltrace;
import org.junit.jupiter.api.Test;

/** Without babeltrace2 the CTF tests fail, and say how to install it: they never pass silently. */
class BabeltraceMissingTest {
    @Test
    void aMissingBabeltraceFailsNamingThePackage() {
        assertThatThrownBy(() -> Babeltrace.runCommand("babeltrace2-that-is-not-installed", "/tmp"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("babeltrace2-that-is-not-installed could not be run")
                .hasMessageContaining("apt-get install babeltrace2");
    }
}
