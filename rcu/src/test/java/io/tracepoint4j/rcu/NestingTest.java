package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.TestSupport.assertUpdateSideWorks;
import static io.tracepoint4j.testkit.Waits.assertBlocked;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.rcu.TestSupport.HeldReader;
import io.tracepoint4j.testkit.Waits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Oracle 8 of docs/design/grace-periods.md: sections nest within one domain and across domains; waiting for a domain's grace
 * period from inside its own section is refused, from inside another domain's section it works.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class NestingTest {

    @RegisterExtension
    final Domains domains = new Domains();

    /** The update-side waits that must be refused inside the domain's own section. */
    enum Refused {
        SYNCHRONIZE(RcuDomain::synchronize),
        EXPEDITED(RcuDomain::synchronizeExpedited),
        BARRIER(RcuDomain::barrier);

        final Consumer<RcuDomain> action;

        Refused(Consumer<RcuDomain> action) {
            this.action = action;
        }
    }

    static List<Object[]> flavorsAndRefused() {
        List<Object[]> all = new ArrayList<>();
        for (Flavor f : Flavor.values()) {
            for (Refused r : Refused.values()) {
                all.add(new Object[] {f, r});
            }
        }
        return all;
    }

    static List<Object[]> flavorPairs() {
        List<Object[]> all = new ArrayList<>();
        for (Flavor outer : Flavor.values()) {
            for (Flavor inner : Flavor.values()) {
                all.add(new Object[] {outer, inner});
            }
        }
        return all;
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void anInnerSectionEndingDoesNotEndTheOuterOne(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "nest-same");
        HeldReader reader = HeldReader.hold("nest-same-reader", () -> {
            var outer = d.read();
            var inner = d.read();
            inner.close();
            return outer::close;
        });
        try {
            CompletableFuture<Boolean> gp = async("nest-same-updater", () -> {
                d.synchronize();
                return reader.ended();
            });
            assertBlocked(gp, "synchronize() while the outer section is still open");
            reader.release();
            assertThat(await(gp, "synchronize()")).isTrue();
        } finally {
            reader.releaseQuietly();
        }
    }

    @ParameterizedTest(name = "{0} outside, {1} inside")
    @MethodSource("flavorPairs")
    void crossDomainNestingHonoursBothSectionsIndependently(Flavor outerFlavor, Flavor innerFlavor) {
        RcuDomain outer = domains.create(outerFlavor, "nest-outer");
        RcuDomain inner = domains.create(innerFlavor, "nest-inner");
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch endInner = new CountDownLatch(1);
        CountDownLatch innerEnded = new CountDownLatch(1);
        CountDownLatch endOuter = new CountDownLatch(1);
        CompletableFuture<Void> reader = async("nest-cross-reader", () -> {
            try (var a = outer.read()) {
                try (var b = inner.read()) {
                    entered.countDown();
                    Waits.await(endInner, "endInner");
                }
                innerEnded.countDown();
                Waits.await(endOuter, "endOuter");
            }
        });
        try {
            await(entered, "the reader to enter both sections");
            CompletableFuture<Void> outerGp = async("nest-outer-updater", outer::synchronize);
            CompletableFuture<Void> innerGp = async("nest-inner-updater", inner::synchronize);
            assertBlocked(outerGp, "the outer domain's synchronize() while both sections are open");
            assertThat(innerGp)
                    .as("the inner domain's synchronize() while both sections are open")
                    .isNotDone();
            endInner.countDown();
            await(innerEnded, "the inner section to end");
            await(innerGp, "the inner domain's synchronize() once the inner section ended");
            assertBlocked(outerGp, "the outer domain's synchronize() while the outer section is open");
            endOuter.countDown();
            await(outerGp, "the outer domain's synchronize() once both sections ended");
            await(reader, "the reader");
        } finally {
            endInner.countDown();
            endOuter.countDown();
        }
    }

    @ParameterizedTest(name = "{0} outside, {1} inside")
    @MethodSource("flavorPairs")
    void anotherDomainsUpdateSideWorksInsideASection(Flavor outerFlavor, Flavor otherFlavor) {
        RcuDomain outer = domains.create(outerFlavor, "nest-reader-domain");
        RcuDomain other = domains.create(otherFlavor, "nest-other-domain");
        await(
                async("nest-other-caller", () -> {
                    try (var section = outer.read()) {
                        assertUpdateSideWorks(other);
                        // and the refusal still applies to the domain whose section is open
                        assertThatThrownBy(outer::synchronize).isInstanceOf(IllegalStateException.class);
                    }
                }),
                "another domain's update side inside a section");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("flavorsAndRefused")
    void waitingInsideTheSameDomainsSectionIsRefusedAndChangesNothing(Flavor flavor, Refused refused) {
        RcuDomain d = domains.create(flavor, "nest-refuse");
        CountDownLatch refusedOnce = new CountDownLatch(1);
        CountDownLatch end = new CountDownLatch(1);
        CompletableFuture<Void> reader = async("nest-refuse-reader", () -> {
            try (var section = d.read()) {
                assertThatThrownBy(() -> refused.action.accept(d))
                        .isInstanceOf(IllegalStateException.class)
                        .message()
                        .isNotBlank();
                try (var nested = d.read()) {
                    assertThatThrownBy(() -> refused.action.accept(d)).isInstanceOf(IllegalStateException.class);
                }
                refusedOnce.countDown();
                Waits.await(end, "end");
            }
            // after the section ended, the same call works on this thread
            refused.action.accept(d);
        });
        try {
            await(refusedOnce, "the reader to be refused");
            // the reader's section is still open and still honoured
            CompletableFuture<Void> gp = async("nest-refuse-updater", d::synchronize);
            assertBlocked(gp, "synchronize() while the refused reader is still inside its section");
            end.countDown();
            await(gp, "synchronize()");
            await(reader, "the reader");
        } finally {
            end.countDown();
        }
    }

    @ParameterizedTest
    @EnumSource(Refused.class)
    void refusedInsideAnSrcuTokenSection(Refused refused) {
        Srcu d = domains.srcu("nest-refuse-token");
        int token = d.readLock();
        try {
            assertThatThrownBy(() -> refused.action.accept(d)).isInstanceOf(IllegalStateException.class);
        } finally {
            d.readUnlock(token);
        }
        refused.action.accept(d);
    }

    @ParameterizedTest
    @EnumSource(Refused.class)
    void refusedInsideAClassicReadLockSection(Refused refused) {
        ClassicRcu d = domains.classic("nest-refuse-classic");
        d.readLock();
        try {
            assertThatThrownBy(() -> refused.action.accept(d)).isInstanceOf(IllegalStateException.class);
        } finally {
            d.readUnlock();
        }
        refused.action.accept(d);
    }

    @ParameterizedTest
    @EnumSource(Refused.class)
    void refusedInsideASectionOnAVirtualThread(Refused refused) {
        RcuDomain d = domains.create(Flavor.SRCU, "nest-refuse-virtual");
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread.ofVirtual().name("nest-refuse-virtual").start(() -> {
            try (var section = d.read()) {
                Thread.sleep(1); // unmount and remount, perhaps on another carrier
                refused.action.accept(d);
                thrown.complete(null);
            } catch (Throwable e) {
                thrown.complete(e);
            }
        });
        assertThat(await(thrown, "the virtual thread")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void mixedSrcuReadSidesNestOnOneThread() {
        Srcu d = domains.srcu("nest-mixed");
        HeldReader reader = HeldReader.hold("nest-mixed-reader", () -> {
            var section = d.read();
            int t1 = d.readLock();
            try (var inner = d.read()) {
                int t2 = d.readLock();
                d.readUnlock(t2);
            }
            d.readUnlock(t1);
            return section::close;
        });
        try {
            CompletableFuture<Boolean> gp = async("nest-mixed-updater", () -> {
                d.synchronize();
                return reader.ended();
            });
            assertBlocked(gp, "synchronize() while the outermost section is open");
            reader.release();
            assertThat(await(gp, "synchronize()")).isTrue();
        } finally {
            reader.releaseQuietly();
        }
    }

    @Test
    void classicNestingUpTo65535IsAllowedAndOneMoreIsRefused() {
        ClassicRcu d = domains.classic("nest-classic-deep");
        TestSupport.assertMisuseChangesNothing(d, () -> {
            int max = 0xFFFF;
            for (int i = 0; i < max; i++) {
                d.readLock();
            }
            assertThatThrownBy(d::readLock)
                    .as("readLock() nested %d deep", max + 1)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("nested deeper than 65535");
            for (int i = 0; i < max; i++) {
                d.readUnlock();
            }
            assertThatThrownBy(d::readUnlock).isInstanceOf(IllegalStateException.class);
        });
    }
}
