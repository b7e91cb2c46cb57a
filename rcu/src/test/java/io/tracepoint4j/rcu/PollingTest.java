package io.tracepoint4j.rcu;

import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.tracepoint4j.rcu.TestSupport.HeldReader;
import io.tracepoint4j.testkit.Waits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Oracle 6 of docs/design/grace-periods.md, for both flavors: polled grace periods, state(), startPoll(), pollState(). */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class PollingTest {

    @RegisterExtension
    final Domains domains = new Domains();

    /** Polls {@code cookie} for {@link TestSupport#SHORT} and fails if it ever reads true. */
    private static void assertPollsFalseForAWhile(RcuDomain d, long cookie, String why) {
        long until = System.nanoTime() + Waits.SHORT.toNanos();
        while (System.nanoTime() - until < 0) {
            if (d.pollState(cookie)) {
                fail("pollState(%d) returned true %s", cookie, why);
            }
            Waits.sleep(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aCookiePollsFalseWhileAnOlderReaderRunsAndTrueAfterALaterSynchronize(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "poll-state");
        HeldReader reader = HeldReader.hold(d, "poll-state-reader");
        try {
            long cookie = d.state();
            assertThat(d.pollState(cookie)).isFalse();
            // another thread's synchronize would have to wait for the reader: start one, so that a
            // grace period is in progress, and the cookie must still read false
            CompletableFuture<Void> gp = async("poll-state-updater", d::synchronize);
            assertPollsFalseForAWhile(d, cookie, "while a reader older than the cookie is inside its section");
            reader.release();
            await(gp, "synchronize");
            d.synchronize();
            assertThat(d.pollState(cookie)).as("after a later synchronize()").isTrue();
        } finally {
            reader.releaseQuietly();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void startPollCookiePollsFalseWhileAnOlderReaderRunsThenCompletesByItself(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "poll-start-held");
        HeldReader reader = HeldReader.hold(d, "poll-start-reader");
        try {
            long cookie = d.startPoll();
            assertPollsFalseForAWhile(d, cookie, "while a reader older than the cookie is inside its section");
            reader.release();
            Waits.awaitTrue(() -> d.pollState(cookie), () -> "the startPoll() cookie completes by itself");
        } finally {
            reader.releaseQuietly();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void startPollCompletesByItselfOnAnIdleDomain(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "poll-start-idle");
        long before = d.completedGracePeriods();
        long cookie = d.startPoll();
        Waits.awaitTrue(() -> d.pollState(cookie), () -> "the startPoll() cookie completes by itself");
        assertThat(d.completedGracePeriods()).isGreaterThan(before);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void startPollDoesNotBlock(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "poll-start-nonblocking");
        HeldReader reader = HeldReader.hold(d, "poll-start-nonblocking-reader");
        try {
            await(async("poll-start-caller", d::startPoll), "startPoll() while a reader holds the grace period");
        } finally {
            reader.release();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void stateDoesNotStartAGracePeriodButAnyoneElsesSynchronizeCompletesIt(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "poll-state-passive");
        d.synchronize(); // settle
        long before = d.completedGracePeriods();
        long cookie = d.state();
        assertPollsFalseForAWhile(d, cookie, "though nobody asked for a grace period");
        assertThat(d.completedGracePeriods())
                .as("grace periods completed with nobody asking")
                .isEqualTo(before);
        await(async("poll-state-someone", d::synchronize), "someone's synchronize");
        assertThat(d.pollState(cookie)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aCookieCompletesAfterSynchronizeExpeditedAndAfterACallback(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "poll-other-gps");
        long cookie = d.state();
        d.synchronizeExpedited();
        assertThat(d.pollState(cookie)).as("after synchronizeExpedited()").isTrue();

        long cookie2 = d.state();
        d.call(() -> {});
        d.barrier();
        assertThat(d.pollState(cookie2))
                .as("after a callback queued later has run")
                .isTrue();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aCookieTakenAfterAGracePeriodIsLaterThanOneTakenBefore(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "poll-order");
        long c1 = d.state();
        d.synchronize();
        long c2 = d.state();
        assertThat(d.pollState(c1)).isTrue();
        assertThat(d.pollState(c2))
                .as("a cookie taken just now, with nobody asking for a grace period")
                .isFalse();
        assertThat(c2).isGreaterThan(c1);
        long c3 = d.startPoll();
        assertThat(c3).isGreaterThanOrEqualTo(c2);
        Waits.awaitTrue(() -> d.pollState(c3), () -> "startPoll() completes by itself");
        assertThat(d.pollState(c2))
                .as("the earlier cookie, once a later one completed")
                .isTrue();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void cookiesAreMonotoneOnEveryThreadWhileGracePeriodsRun(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "poll-monotone");
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> updater = async("poll-monotone-updater", () -> {
            while (!stop.get()) {
                d.synchronize();
                d.synchronizeExpedited();
            }
        });
        List<CompletableFuture<Void>> pollers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            pollers.add(async("poll-monotone-" + t, () -> {
                long last = Long.MIN_VALUE;
                for (int i = 0; i < 50_000; i++) {
                    long c = (i % 3 == 0) ? d.startPoll() : d.state();
                    if (c < last) {
                        fail("cookie %d (call %d) is smaller than the previous %d", c, i, last);
                    }
                    if (i > 0 && i % 7 == 0 && d.pollState(c) && !d.pollState(last)) {
                        fail("cookie %d completed before the earlier %d", c, last);
                    }
                    last = c;
                }
            }));
        }
        try {
            pollers.forEach(f -> await(f, "poller"));
        } finally {
            stop.set(true);
        }
        await(updater, "updater");
        assertThat(d.completedGracePeriods()).isGreaterThan(0);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void pollStateIsNonBlockingWhileAReaderHoldsTheGracePeriod(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "poll-nonblocking");
        HeldReader reader = HeldReader.hold(d, "poll-nonblocking-reader");
        try {
            long cookie = d.startPoll();
            Boolean polled = await(async("poll-nonblocking-poller", () -> d.pollState(cookie)), "pollState()");
            assertThat(polled).isFalse();
        } finally {
            reader.release();
        }
    }
}
