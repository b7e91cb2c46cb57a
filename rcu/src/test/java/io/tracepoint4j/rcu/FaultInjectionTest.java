package io.tracepoint4j.rcu;

import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static io.tracepoint4j.testkit.Waits.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.rcu.TestSupport.HeldReader;
import io.tracepoint4j.testkit.LogCapture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Failures injected where a domain's own machinery runs: a logging backend that throws or calls
 * back into the domain, an executor that cannot start the callback task, many threads that end
 * inside sections. The domain keeps working: barrier(), polled grace periods and close() complete,
 * every callback runs exactly once, and reports are rate-limited.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try") // a LogCapture keeps expected warnings out of the build output
class FaultInjectionTest {

    @RegisterExtension
    final Domains domains = new Domains();

    /**
     * The logging backend throws an Error while the callback task reports a callback's failure:
     * the task's attempt fails, and the task tries again, resuming the callbacks it had taken,
     * none of them run twice.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aLoggingBackendThatThrowsDoesNotStopTheCallbackTask(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "throwing-log");
        AtomicInteger thrown = new AtomicInteger();
        Handler throwing = new FailingHandler(
                r -> r.getMessage().startsWith("a callback of " + d) && thrown.getAndIncrement() < 3);
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            Logger.getLogger(TestSupport.RCU_LOGGER).addHandler(throwing);
            try {
                List<Integer> ran = new ArrayList<>(); // written by the callback task only
                for (int i = 0; i < 12; i++) {
                    int index = i;
                    if (i % 3 == 0) {
                        d.call(() -> {
                            throw new IllegalStateException("injected callback failure " + index);
                        });
                    }
                    d.call(() -> ran.add(index));
                }
                long cookie = d.startPoll();
                await(async("barrier-" + d.name(), d::barrier), "barrier() after the logging backend threw");
                assertThat(ran)
                        .as("every callback ran once, in order")
                        .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
                awaitTrue(() -> d.pollState(cookie), () -> "the polled grace period of " + d.name());
                assertThat(thrown.get()).as("logging failures injected").isGreaterThanOrEqualTo(3);
                assertThat(log.warningsContaining("the callback task of " + d + " failed; it tries again"))
                        .as("the task's failure, reported once (rate-limited)")
                        .hasSize(1);
                TestSupport.assertUpdateSideWorks(d);
                d.close();
            } finally {
                Logger.getLogger(TestSupport.RCU_LOGGER).removeHandler(throwing);
            }
        }
    }

    /**
     * The last callback of a batch throws, and so does the logging backend that reports it: the
     * attempt fails and is retried with nothing left to run, which clears the batch's in-flight
     * flag, so close() after barrier() succeeds (a review suspected the flag would stay set).
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aFailingReportOfTheLastCallbackLeavesNothingInFlight(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "throwing-last");
        AtomicInteger thrown = new AtomicInteger();
        Handler throwing = new FailingHandler(
                r -> r.getMessage().startsWith("a callback of " + d) && thrown.getAndIncrement() < 1);
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            Logger.getLogger(TestSupport.RCU_LOGGER).addHandler(throwing);
            try {
                d.call(() -> {
                    throw new IllegalStateException("injected failure of the last callback");
                });
                await(async("barrier-" + d.name(), d::barrier), "barrier() after the logging backend threw");
                assertThat(thrown.get()).as("logging failures injected").isEqualTo(1);
                d.close();
            } finally {
                Logger.getLogger(TestSupport.RCU_LOGGER).removeHandler(throwing);
            }
        }
    }

    /**
     * The executor refuses to start the callback task, several times: call() still queues, and
     * barrier(), a polled grace period and close() complete once it accepts again.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void anExecutorThatRefusesToStartTheTaskIsRetried(Flavor flavor) {
        AtomicInteger refusals = new AtomicInteger(4);
        Executor refusingAtFirst = task -> {
            if (refusals.getAndDecrement() > 0) {
                throw new RejectedExecutionException("injected: no thread to be had");
            }
            Thread.ofPlatform().daemon().start(task);
        };
        RcuDomain d = domains.closedAfterTest(flavor.builder(flavor.uniqueName("refusing"))
                .callbackExecutor(refusingAtFirst)
                .build());
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            AtomicInteger ran = new AtomicInteger();
            d.call(ran::incrementAndGet);
            long cookie = d.startPoll();
            await(async("barrier-" + d.name(), d::barrier), "barrier() while the executor refuses");
            assertThat(ran.get()).isEqualTo(1);
            awaitTrue(() -> d.pollState(cookie), () -> "the polled grace period of " + d.name());
            d.close();
            assertThat(refusals.get()).as("every injected refusal was met").isNegative();
            assertThat(log.warningsContaining("could not start the callback task of " + d))
                    .as("the refusal, reported once (rate-limited)")
                    .hasSize(1);
        }
    }

    /**
     * A logging backend that itself calls synchronize() on the domain when it sees the domain's
     * warning: the warning is logged after the grace-period lock is released, so the nested
     * synchronize() is an ordinary one, not a grace period inside a grace period.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aLoggingBackendMayCallBackIntoTheDomain(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "reentrant-log");
        ConcurrentLinkedQueue<Throwable> nested = new ConcurrentLinkedQueue<>();
        AtomicInteger nestedDone = new AtomicInteger();
        Handler reentering = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage().contains("ended inside")
                        && record.getMessage().contains(d.toString())) {
                    try {
                        d.synchronize();
                        nestedDone.incrementAndGet();
                    } catch (Throwable t) {
                        nested.add(t);
                    }
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            Logger.getLogger(TestSupport.RCU_LOGGER).addHandler(reentering);
            try {
                HeldReader leaker = HeldReader.leak("leaking-" + d.name(), TestSupport.readOf(d));
                leaker.release(); // ends inside its section: the grace period reports it
                await(async("updater-" + d.name(), d::synchronize), "synchronize() that reports the ended thread");
                assertThat(nested).as("failures of the nested synchronize()").isEmpty();
                assertThat(nestedDone.get())
                        .as("nested synchronize() calls completed")
                        .isEqualTo(1);
                TestSupport.assertUpdateSideWorks(d);
                d.close();
            } finally {
                Logger.getLogger(TestSupport.RCU_LOGGER).removeHandler(reentering);
            }
        }
    }

    /** Many threads that end inside sections make one warning, not one each. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void threadsEndingInsideSectionsAreReportedRateLimited(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "many-ended");
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            for (int i = 0; i < 20; i++) {
                HeldReader.leak("ended-inside-" + i + "-" + d.name(), TestSupport.readOf(d))
                        .release();
                await(async("updater-" + d.name(), d::synchronize), "synchronize() after thread " + i + " ended");
            }
            assertThat(log.warningsContaining("ended inside 1 read-side critical section(s) of " + d))
                    .as("one report for 20 threads within 10 s")
                    .hasSize(1);
            d.close();
        }
    }

    /** A handler that throws an Error for the records {@code when} selects. */
    private static final class FailingHandler extends Handler {
        private final java.util.function.Predicate<LogRecord> when;

        FailingHandler(java.util.function.Predicate<LogRecord> when) {
            this.when = when;
            setLevel(Level.ALL);
        }

        @Override
        public void publish(LogRecord record) {
            if (record.getMessage() != null && when.test(record)) {
                throw new AssertionError("injected: the logging backend failed");
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
