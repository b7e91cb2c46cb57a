package io.tracepoint4j.rcu;

import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The misuse the README lists as not detected, pinned as it behaves, so that a change that starts
 * (or stops) detecting it is noticed and the README updated with it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class MisuseNotDetectedTest {

    @RegisterExtension
    final Domains domains = new Domains();

    /**
     * downRead() tokens of one slot are equal: a second upRead() of a token is refused when no other
     * hand-off of the slot is open, but ends another open one otherwise.
     */
    @Test
    void aSecondUpReadEndsAnotherOpenHandOffOfTheSameSlot() {
        Srcu d = domains.srcu("double-upread");
        int first = d.downRead();
        int second = d.downRead();
        assertThat(second).as("tokens of one slot are equal").isEqualTo(first);
        d.upRead(first);
        d.upRead(first); // the misuse: ends `second`'s section, undetected
        // nothing is open any more: a grace period completes though `second` was never ended
        await(async("updater", d::synchronize), "synchronize() after the misuse");
        assertThatThrownBy(() -> d.upRead(second))
                .as("the real end of `second` is refused: nothing is open")
                .isInstanceOf(IllegalStateException.class);
    }

    /** With no other hand-off open, the second upRead() is refused and changes nothing. */
    @Test
    void aSecondUpReadWithNoOtherHandOffOpenIsRefused() {
        Srcu d = domains.srcu("double-upread-alone");
        int token = d.downRead();
        d.upRead(token);
        assertThatThrownBy(() -> d.upRead(token)).isInstanceOf(IllegalStateException.class);
        await(async("updater", d::synchronize), "synchronize() after the refused upRead()");
    }

    /**
     * Nested sections of one outermost section share their tokens' tag: a nested token unlocked a
     * second time while a later section of the same depth is open in the same outermost section
     * ends that one.
     */
    @Test
    void aNestedTokenUnlockedTwiceEndsALaterSectionOfTheSameDepthInTheSameOutermostOne() {
        Srcu d = domains.srcu("stale-nested-token");
        int outer = d.readLock();
        int inner = d.readLock();
        d.readUnlock(inner);
        int later = d.readLock();
        assertThat(later)
                .as("the same depth and slot in the same outermost section")
                .isEqualTo(inner);
        d.readUnlock(inner); // the misuse: ends `later`, undetected
        d.readUnlock(outer);
        assertThat(d.inReadSection()).isFalse();
    }

    /**
     * A read() section object is reused per nesting level: kept past its close(), it closes a later
     * section of the same level on its thread.
     */
    @Test
    void aStaleReadSectionClosesALaterSectionOfTheSameLevel() {
        Srcu d = domains.srcu("stale-section");
        RcuDomain.ReadSection outer = d.read();
        RcuDomain.ReadSection stale = d.read();
        stale.close();
        RcuDomain.ReadSection later = d.read();
        assertThat(later).as("the same object, reused for level 2").isSameAs(stale);
        stale.close(); // the misuse: ends `later`, undetected
        assertThat(d.inReadSection()).as("the outer section is still open").isTrue();
        assertThatThrownBy(later::close).isInstanceOf(IllegalStateException.class);
        outer.close();
        assertThat(d.inReadSection()).isFalse();
    }
}
