package io.tracepoint4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The demo is CI-compiled documentation: it must run and every check it makes must hold. */
class DemoTest {

    @Test
    @Timeout(60)
    void demoRunsCleanly() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        var failures = Demo.run(out, Duration.ofMillis(300));

        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(failures).as(printed).isEmpty();
        assertThat(printed).contains("read-side barrier: ", "Summary: ", "OK: ");
    }

    @Test
    @Timeout(30)
    void aBlockedReaderInOneDomainDoesNotDelayAnother() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        var failures = IndependentDomains.run(out);

        assertThat(failures).as(bytes.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
