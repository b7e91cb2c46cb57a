package io.tracepoint4j.rcu;

import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.rcu.RcuDomain.ReadSection;
import io.tracepoint4j.rcu.TestSupport.HeldReader;
import io.tracepoint4j.rcu.internal.OutermostSection;
import io.tracepoint4j.testkit.LogCapture;
import io.tracepoint4j.testkit.Waits;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
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

    /**
     * A stall costs the waiting grace period nothing more than its parks: it looks for readers to
     * report once at the stall timeout and then once a second, not at every park (every 10 us for
     * an expedited one, which it used to, with a task started each time).
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aLongStallIsScannedOnceASecond(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "stall-scans", STALL);
        GracePeriodEngine<?> engine = ((DomainFacade) d).engine();
        HeldReader reader = HeldReader.hold(d, "stall-scans-reader");
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            CompletableFuture<Void> gp = async("stall-scans-updater", d::synchronizeExpedited);
            Waits.sleep(STALL.toMillis() + 2_300); // the timeout, then about two seconds
            assertThat(engine.stallScans())
                    .as(
                            "scans in %d ms of stall (rescan every %d ms)",
                            2_300, TimeUnit.NANOSECONDS.toMillis(GracePeriodEngine.STALL_RESCAN_NANOS))
                    .isBetween(1L, 4L);
            assertThat(gp).isNotDone();
            reader.release();
            await(gp, "synchronizeExpedited() once the reader ended");
            assertThat(log.warningsContaining("stall-scans-reader")).hasSize(1);
        } finally {
            reader.releaseQuietly();
        }
    }

    /**
     * A virtual thread has an empty name unless given one: the report names it by its id, not as
     * thread ''.
     */
    @Test
    void anUnnamedVirtualThreadIsReportedByItsId() throws Exception {
        RcuDomain d = domains.create(Flavor.SRCU, "unnamed", STALL);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            Thread reader = Thread.ofVirtual().start(() -> {
                try (ReadSection _ = d.read()) {
                    inside.countDown();
                    release.await(); // parks inside the section: SRCU readers may
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Waits.await(inside, "the virtual reader to enter its section");
            String named = "unnamed virtual thread (id " + reader.threadId() + ")";
            try {
                CompletableFuture<Void> gp = async("unnamed-updater", d::synchronize);
                Waits.awaitTrue(
                        () -> !log.warningsContaining(named).isEmpty(),
                        () -> "a WARNING naming " + named + "; logged: " + log.all());
                assertThat(log.warningsContaining(named).getFirst()).doesNotContain("thread ''");
                release.countDown();
                await(gp, "synchronize() after the virtual reader ended");
            } finally {
                release.countDown();
            }
            reader.join();
        }
    }

    /** Names need not be unique, so reports number the second and later domains of a name. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void domainsOfTheSameNameAreToldApartInStallReports(Flavor flavor) {
        String name = "same-name-" + flavor;
        RcuDomain first =
                domains.closedAfterTest(flavor.builder(name).stallTimeout(STALL).build());
        RcuDomain second =
                domains.closedAfterTest(flavor.builder(name).stallTimeout(STALL).build());
        assertThat(second.toString()).isNotEqualTo(first.toString()).contains("of that name");
        String readerName = "stalled-reader-of-the-second-" + flavor;
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            HeldReader reader = HeldReader.hold(second, readerName);
            try {
                CompletableFuture<Void> gp = async("same-name-updater", second::synchronize);
                Waits.awaitTrue(
                        () -> !log.warningsContaining(readerName).isEmpty(),
                        () -> "a WARNING naming " + readerName + "; logged: " + log.all());
                assertThat(log.warningsContaining(readerName).getFirst()).contains(second.toString());
                reader.release();
                await(gp, "synchronize() after the stalled reader ended");
            } finally {
                reader.releaseQuietly();
            }
        }
    }

    /**
     * A domain's stall advice is asked with the stalled thread and its stack and appended to the
     * report; advice that throws leaves the report without advice, never without the report.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void stallReportsCarryTheDomainsAdviceAndSurviveAdviceThatThrows(Flavor flavor) {
        RcuDomain.StallAdvice advice = (thread, stack) -> thread.getName().endsWith("-throwing")
                ? throwFrom("advice")
                : "advice for " + thread.getName() + " at depth " + stack.length;
        RcuDomain d = domains.closedAfterTest(flavor.builder("advised-" + flavor)
                .stallTimeout(STALL)
                .stallAdvice(advice)
                .build());
        for (String readerName : new String[] {"advised-reader-" + flavor, "advised-reader-" + flavor + "-throwing"}) {
            try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
                HeldReader reader = HeldReader.hold(d, readerName);
                try {
                    CompletableFuture<Void> gp = async("advised-updater", d::synchronize);
                    Waits.awaitTrue(
                            () -> !log.warningsContaining(readerName).isEmpty(),
                            () -> "a WARNING naming " + readerName + "; logged: " + log.all());
                    String report = log.warningsContaining(readerName).getFirst();
                    assertThat(report).contains("awaitReleaseInsideSection");
                    if (readerName.endsWith("-throwing")) {
                        assertThat(report).doesNotContain("advice for");
                    } else {
                        assertThat(report).containsPattern("advice for " + readerName + " at depth [1-9]");
                    }
                    reader.release();
                    await(gp, "synchronize() after the stalled reader ended");
                } finally {
                    reader.releaseQuietly();
                }
            }
        }
    }

    /**
     * A section the tracepoint firing code marked abandoned (its close ran out of stack) is not
     * "inside" anything the domain's advice could name: the report says what happened and what
     * ends it, instead of the advice.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void anAbandonedSectionIsReportedAsSuchInsteadOfTheAdvice(Flavor flavor) {
        RcuDomain d = domains.closedAfterTest(flavor.builder("abandoned-" + flavor)
                .stallTimeout(STALL)
                .stallAdvice((thread, stack) -> "advice for " + thread.getName())
                .build());
        String readerName = "abandoning-reader-" + flavor;
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            HeldReader reader = HeldReader.hold(readerName, () -> {
                RcuDomain.ReadSection section = d.read();
                ((OutermostSection) section).abandoned = true; // as the firing code's catch block does
                return section::close;
            });
            try {
                CompletableFuture<Void> gp = async("abandoned-updater", d::synchronize);
                Waits.awaitTrue(
                        () -> !log.warningsContaining(readerName).isEmpty(),
                        () -> "a WARNING naming " + readerName + "; logged: " + log.all());
                assertThat(log.warningsContaining(readerName).getFirst())
                        .contains("outermost section was abandoned")
                        .contains("next firing")
                        .doesNotContain("advice for");
                reader.release();
                await(gp, "synchronize() after the section ended");
            } finally {
                reader.releaseQuietly();
            }
        }
    }

    private static String throwFrom(String what) {
        throw new IllegalStateException(what + " failed on purpose");
    }

    /**
     * A downRead() section belongs to no thread: its lock counts on the opener's reader and its
     * unlock on the closer's. The report must say so, once, and must not blame a thread that
     * opened a section another thread has already ended.
     */
    @Test
    void handedOverSectionsAreReportedOnceWithoutBlamingTheThreadThatOpenedThem() throws Exception {
        Srcu d = (Srcu) domains.create(Flavor.SRCU, "stall-portable", STALL);
        String opener = "opener-of-" + d.name();
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            // the opener's section is ended here; the opener lives on with nothing open
            CountDownLatch openerEnd = new CountDownLatch(1);
            CompletableFuture<Integer> handedOver = new CompletableFuture<>();
            Thread openerThread = Thread.ofPlatform().name(opener).start(() -> {
                handedOver.complete(d.downRead());
                Waits.await(openerEnd, "the end of the test");
            });
            d.upRead(await(handedOver, "the opener's downRead()"));
            int held = d.downRead(); // this one stays open and stalls the grace period
            CompletableFuture<Void> gp = async("stall-portable-updater", d::synchronize);
            try {
                Waits.awaitTrue(
                        () -> !log.warningsContaining("RCU stall").isEmpty(),
                        () -> "a stall report; logged: " + log.all());
                Waits.sleep(STALL.multipliedBy(4).toMillis());
                assertThat(log.warningsContaining("RCU stall"))
                        .as("stall reports while one handed-over section is open")
                        .singleElement(as(InstanceOfAssertFactories.STRING))
                        .contains(d.name())
                        .contains("1 read-side critical section(s) opened by downRead()")
                        .doesNotContain(opener);
                assertThat(gp).as("the grace period keeps waiting").isNotDone();
            } finally {
                d.upRead(held);
                openerEnd.countDown();
            }
            await(gp, "synchronize() after the section ended");
            openerThread.join();
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
