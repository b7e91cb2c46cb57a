package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.TestSupport.assertMisuseChangesNothing;
import static io.tracepoint4j.testkit.Waits.assertBlocked;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.rcu.TestSupport.HeldReader;
import io.tracepoint4j.testkit.Waits;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The read side shared by both flavors ({@code read()}) and the classic flavor's own
 * ({@code readLock()}/{@code readUnlock()}): balanced use works, unbalanced use throws and changes
 * nothing (checked with a witness section on another thread, as in {@link SrcuReadSideTest}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class ReadSectionTest {

    @RegisterExtension
    final Domains domains = new Domains();

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void readSectionCloseWithNothingOpenThrowsAndChangesNothing(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "section-nothing-open");
        assertMisuseChangesNothing(d, () -> {
            RcuDomain.ReadSection section = d.read();
            section.close();
            assertThatThrownBy(section::close)
                    .as("closing a read() section a second time")
                    .isInstanceOf(IllegalStateException.class)
                    .message()
                    .as("names what the user called")
                    .contains("ReadSection.close()")
                    .doesNotContain("readUnlock()");
        });
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void readSectionCloseOnAThreadThatNeverOpenedOneThrows(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "section-other-thread");
        CompletableFuture<RcuDomain.ReadSection> opened = new CompletableFuture<>();
        CountDownLatch end = new CountDownLatch(1);
        CompletableFuture<Void> owner = async("section-owner", () -> {
            var section = d.read();
            opened.complete(section);
            Waits.await(end, "end");
            section.close();
        });
        try {
            RcuDomain.ReadSection foreign = await(opened, "the owner's section");
            assertThatThrownBy(foreign::close)
                    .as("closing another thread's read() section")
                    .isInstanceOf(IllegalStateException.class);
            CompletableFuture<Void> gp = async("section-other-thread-updater", d::synchronize);
            assertBlocked(gp, "synchronize() while the owner's section is open");
            end.countDown();
            await(owner, "the owner to close its own section");
            await(gp, "synchronize()");
        } finally {
            end.countDown();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void readReusesOnePerThreadObject(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "section-reuse");
        RcuDomain.ReadSection first = d.read();
        first.close();
        RcuDomain.ReadSection second = d.read();
        second.close();
        assertThat(second)
                .as("read() is allocation-free: the object is per-thread and reused")
                .isSameAs(first);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    @SuppressWarnings("try") // the sections are held, not used
    void inReadSectionFollowsTheCallingThreadsOwnSectionsOfThatDomainOnly(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "section-held");
        RcuDomain other = domains.create(flavor, "section-held-other");
        assertThat(d.inReadSection()).as("before this thread ever read").isFalse();
        try (var outer = d.read()) {
            try (var inner = d.read()) {
                assertThat(d.inReadSection()).as("nested").isTrue();
            }
            assertThat(d.inReadSection()).as("after the inner section ended").isTrue();
            assertThat(other.inReadSection()).as("another domain").isFalse();
            CompletableFuture<Boolean> elsewhere = async("section-held-elsewhere", d::inReadSection);
            assertThat(await(elsewhere, "another thread"))
                    .as("on another thread")
                    .isFalse();
        }
        assertThat(d.inReadSection()).as("after the outer section ended").isFalse();
    }

    @Test
    void inReadSectionCountsPairSectionsButNotDownReadOnes() {
        ClassicRcu classic = domains.classic("section-held-classic");
        classic.readLock();
        assertThat(classic.inReadSection()).as("inside readLock()").isTrue();
        classic.readUnlock();
        assertThat(classic.inReadSection()).as("after readUnlock()").isFalse();

        Srcu srcu = domains.srcu("section-held-srcu");
        int token = srcu.readLock();
        assertThat(srcu.inReadSection()).as("inside readLock()").isTrue();
        srcu.readUnlock(token);
        int portable = srcu.downRead();
        assertThat(srcu.inReadSection())
                .as("a downRead() section belongs to no thread")
                .isFalse();
        srcu.upRead(portable);
    }

    @Test
    void classicReadUnlockWithNothingOpenThrowsAndChangesNothing() {
        ClassicRcu d = domains.classic("classic-unbalanced");
        assertMisuseChangesNothing(d, () -> {
            assertThatThrownBy(d::readUnlock)
                    .as("readUnlock() on a thread that never locked")
                    .isInstanceOf(IllegalStateException.class)
                    .message()
                    .isNotBlank();
            d.readLock();
            d.readLock();
            d.readUnlock();
            d.readUnlock();
            assertThatThrownBy(d::readUnlock)
                    .as("a third readUnlock() after two readLock()s")
                    .isInstanceOf(IllegalStateException.class);
        });
    }

    @Test
    void classicReadUnlockOfAnotherDomainsSectionThrows() {
        ClassicRcu d = domains.classic("classic-foreign");
        ClassicRcu other = domains.classic("classic-foreign-other");
        assertMisuseChangesNothing(d, () -> {
            other.readLock();
            assertThatThrownBy(d::readUnlock)
                    .as("readUnlock() of a domain whose section is not open, inside another's")
                    .isInstanceOf(IllegalStateException.class);
            other.readUnlock();
        });
    }

    @Test
    void classicNestedSectionsHonourTheOutermost() {
        ClassicRcu d = domains.classic("classic-nested");
        HeldReader reader = HeldReader.hold("classic-nested-reader", () -> {
            d.readLock();
            d.readLock();
            d.readUnlock();
            return d::readUnlock;
        });
        try {
            CompletableFuture<Boolean> gp = async("classic-nested-updater", () -> {
                d.synchronize();
                return reader.ended();
            });
            assertBlocked(gp, "synchronize() while the outer readLock() section is open");
            reader.release();
            assertThat(await(gp, "synchronize()")).isTrue();
        } finally {
            reader.releaseQuietly();
        }
    }

    @Test
    void classicSectionsFromReadAndReadLockNestInterchangeably() {
        // Classic RCU has no tokens: one nesting count per thread, whichever way a section opened.
        ClassicRcu d = domains.classic("classic-section-vs-lock");
        var section = d.read();
        d.readLock();
        section.close(); // ends the innermost section
        assertThatThrownBy(d::synchronize)
                .as("still inside the outer section")
                .isInstanceOf(IllegalStateException.class);
        d.readUnlock(); // ends the outer one
        d.synchronize();
        assertThatThrownBy(d::readUnlock).as("nothing open any more").isInstanceOf(IllegalStateException.class);
    }
}
