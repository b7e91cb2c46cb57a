package io.tracepoint4j.rcu;

import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.rcu.TestSupport.HeldReader;
import io.tracepoint4j.testkit.LogCapture;
import io.tracepoint4j.testkit.Waits;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stall detector: a reader that holds a grace period longer than the stall timeout is reported
 * once, at WARNING, with its thread's name and stack; the grace period keeps waiting and completes
 * when the reader ends.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class StallDetectorTest {

    private static final Duration STALL = Duration.ofMillis(200);

    @RegisterExtension
    final Domains domains = new Domains();

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aStalledReaderIsReportedOnceWithItsNameAndStackAndTheGracePeriodKeepsWaiting(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "stall", STALL);
        String readerName = "stalled-reader-of-" + d.name();
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            HeldReader reader = HeldReader.hold(d, readerName);
            try {
                CompletableFuture<Boolean> gp = async("stall-updater", () -> {
                    d.synchronize();
                    return reader.ended();
                });
                Waits.awaitTrue(
                        () -> !log.warningsContaining(readerName).isEmpty(),
                        () -> "a WARNING naming " + readerName + "; logged: " + log.all());
                String report = log.warningsContaining(readerName).getFirst();
                assertThat(report)
                        .as("the stall report carries the reader's stack")
                        .contains("awaitReleaseInsideSection");
                assertThat(report).as("the stall report names the domain").contains(d.name());
                // watch for several stall timeouts: the report is not repeated
                Waits.sleep(STALL.multipliedBy(6).toMillis());
                assertThat(log.warningsContaining(readerName))
                        .as("stall reports for one stalled reader")
                        .hasSize(1);
                assertThat(gp).as("the grace period keeps waiting").isNotDone();
                reader.release();
                assertThat(await(gp, "synchronize() after the stalled reader ended"))
                        .isTrue();
            } finally {
                reader.releaseQuietly();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aShortReaderIsNotReported(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "no-stall", Duration.ofSeconds(5));
        String readerName = "short-reader-of-" + d.name();
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            HeldReader reader = HeldReader.hold(d, readerName);
            CompletableFuture<Void> gp = async("no-stall-updater", d::synchronize);
            Waits.sleep(300);
            reader.release();
            await(gp, "synchronize()");
            assertThat(log.warningsContaining(readerName)).isEmpty();
        }
    }
}
