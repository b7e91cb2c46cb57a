package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.TestSupport.assertMisuseChangesNothing;
import static io.tracepoint4j.testkit.Waits.assertBlocked;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.tracepoint4j.rcu.TestSupport.HeldReader;
import io.tracepoint4j.testkit.Waits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SRCU read side: token pairs, downRead/upRead across threads, readers that sleep and park on
 * virtual threads, and misuse that must be detected and change nothing.
 *
 * <p>"Changes nothing" is checked with a witness: another thread holds a section of the domain
 * while the misuse happens; a grace period started afterwards must still wait for the witness (no
 * section was wrongly ended) and must complete once the witness ends (no section was wrongly
 * opened).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class SrcuReadSideTest {

    @RegisterExtension
    final Domains domains = new Domains();

    @Test
    void tokenSectionIsHonoured() {
        Srcu d = domains.srcu("srcu-token");
        HeldReader reader = HeldReader.hold("srcu-token-reader", () -> {
            int t = d.readLock();
            return () -> d.readUnlock(t);
        });
        try {
            CompletableFuture<Boolean> gp = async("srcu-token-updater", () -> {
                d.synchronize();
                return reader.ended();
            });
            assertBlocked(gp, "synchronize() while a readLock() section is open");
            reader.release();
            assertThat(await(gp, "synchronize()")).isTrue();
        } finally {
            reader.releaseQuietly();
        }
    }

    @Test
    void readUnlockOutOfOrderThrowsAndChangesNothing() {
        Srcu d = domains.srcu("srcu-out-of-order");
        assertMisuseChangesNothing(d, () -> {
            int t1 = d.readLock();
            int t2 = d.readLock();
            assertThatThrownBy(() -> d.readUnlock(t1))
                    .as("readUnlock(outer token %d) while the inner section (token %d) is open", t1, t2)
                    .isInstanceOf(IllegalStateException.class)
                    .message()
                    .isNotBlank();
            d.readUnlock(t2);
            d.readUnlock(t1);
        });
    }

    @Test
    void readUnlockWithAnotherDomainsTokenThrowsAndChangesNothing() {
        Srcu d = domains.srcu("srcu-foreign");
        Srcu other = domains.srcu("srcu-foreign-other");
        assertMisuseChangesNothing(d, () -> {
            // nothing of d open
            int foreign = other.readLock();
            assertThatThrownBy(() -> d.readUnlock(foreign)).isInstanceOf(IllegalStateException.class);
            // a section of d open at the same depth: the token must still be recognized as foreign
            int mine = d.readLock();
            assertThatThrownBy(() -> d.readUnlock(foreign))
                    .as(
                            "readUnlock(token of another domain) while this domain has its own section open"
                                    + " (this domain's token %d, the other's %d)",
                            mine, foreign)
                    .isInstanceOf(IllegalStateException.class);
            d.readUnlock(mine);
            other.readUnlock(foreign);
        });
    }

    @Test
    void readUnlockWithADownReadTokenThrowsAndChangesNothing() {
        Srcu d = domains.srcu("srcu-down-token");
        assertMisuseChangesNothing(d, () -> {
            int down = d.downRead();
            assertThatThrownBy(() -> d.readUnlock(down))
                    .as("nothing else open: the message still says what the token is")
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("it is a downRead() token: end it with upRead()");
            int t = d.readLock();
            assertThatThrownBy(() -> d.readUnlock(down))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("it is a downRead() token: end it with upRead()");
            d.readUnlock(t);
            d.upRead(down);
        });
    }

    /**
     * A token unlocked a second time while a later section is open (of the same depth and slot, as
     * the next section a loop opens is) is refused, and the later section stays open: its token
     * was the same (found by a black-box test: the second unlock ended the later section, and a
     * grace period then ran out under its reader).
     */
    @Test
    void readUnlockOfAnEndedSectionsTokenWhileALaterOneIsOpenIsRefused() {
        Srcu d = domains.srcu("srcu-stale-token");
        assertMisuseChangesNothing(d, () -> {
            int first = d.readLock();
            d.readUnlock(first);
            int later = d.readLock();
            assertThat(later).as("a later section's token").isNotEqualTo(first);
            assertThatThrownBy(() -> d.readUnlock(first))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the token of an earlier section of this thread's, which ended already");
            assertThat(d.inReadSection()).as("the later section is still open").isTrue();
            d.readUnlock(later);
        });
    }

    @Test
    void readUnlockTwiceThrowsAndChangesNothing() {
        Srcu d = domains.srcu("srcu-twice");
        assertMisuseChangesNothing(d, () -> {
            int t = d.readLock();
            d.readUnlock(t);
            assertThatThrownBy(() -> d.readUnlock(t)).isInstanceOf(IllegalStateException.class);
        });
    }

    @Test
    void aNestedReadSectionClosedTwiceIsRefusedAndTheOuterOneStaysOpen() {
        Srcu d = domains.srcu("srcu-scoped-twice");
        AtomicReference<Throwable> secondClose = new AtomicReference<>();
        HeldReader reader = HeldReader.hold("srcu-scoped-twice-reader", () -> {
            RcuDomain.ReadSection outer = d.read();
            RcuDomain.ReadSection inner = d.read();
            inner.close();
            try {
                inner.close();
            } catch (IllegalStateException e) {
                secondClose.set(e);
            }
            return outer::close;
        });
        try {
            assertThat(secondClose.get())
                    .as("the second close() of the nested section")
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed already");
            CompletableFuture<Boolean> gp = async("srcu-scoped-twice-updater", () -> {
                d.synchronize();
                return reader.ended();
            });
            assertBlocked(gp, "synchronize() while the outer section is open");
            reader.release();
            assertThat(await(gp, "synchronize() after the outer section ended")).isTrue();
        } finally {
            reader.releaseQuietly();
        }
    }

    @Test
    void closingAReadSectionWhileOneOpenedInsideItIsOpenThrowsAndChangesNothing() {
        Srcu d = domains.srcu("srcu-scoped-order");
        assertMisuseChangesNothing(d, () -> {
            RcuDomain.ReadSection outer = d.read();
            RcuDomain.ReadSection inner = d.read();
            assertThatThrownBy(outer::close)
                    .as("closing the outer section first")
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("still open");
            inner.close();
            outer.close();
            assertThatThrownBy(outer::close)
                    .as("closing the outer section again")
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no section open");
        });
    }

    @Test
    void readSectionObjectsAreOnePerNestingLevelAndReused() {
        Srcu d = domains.srcu("srcu-scoped-levels");
        int levels = 100; // past the first growths of the per-level array
        List<RcuDomain.ReadSection> first = openAndCloseNested(d, levels);
        List<RcuDomain.ReadSection> second = openAndCloseNested(d, levels);
        for (int level = 0; level < levels; level++) {
            assertThat(second.get(level))
                    .as("level %d the second time", level + 1)
                    .isSameAs(first.get(level));
        }
        assertThat(new java.util.HashSet<>(first)).as("one object per level").hasSize(levels);
    }

    /** Opens {@code levels} nested read() sections, closes them innermost first, returns them. */
    private static List<RcuDomain.ReadSection> openAndCloseNested(Srcu d, int levels) {
        List<RcuDomain.ReadSection> sections = new ArrayList<>();
        for (int i = 0; i < levels; i++) {
            sections.add(d.read());
        }
        for (int i = levels - 1; i >= 0; i--) {
            sections.get(i).close();
        }
        assertThat(d.inReadSection()).as("every section closed").isFalse();
        return sections;
    }

    @Test
    void readUnlockOfAnInventedTokenThrowsAndChangesNothing() {
        Srcu d = domains.srcu("srcu-invented");
        assertMisuseChangesNothing(d, () -> {
            for (int token : new int[] {0, 1, -1, 12345, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
                assertThatThrownBy(() -> d.readUnlock(token))
                        .as("readUnlock(%d) with nothing open", token)
                        .isInstanceOf(IllegalStateException.class);
            }
            int open = d.readLock();
            assertThatThrownBy(() -> d.readUnlock(open ^ 1))
                    .as("the open section's token with its slot bit flipped")
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(
                            "though of its depth: its grace-period slot differs (a token of an ended section");
            d.readUnlock(open);
        });
    }

    @Test
    void readUnlockOnAnotherThreadThanTheLockThrowsAndChangesNothing() {
        Srcu d = domains.srcu("srcu-wrong-thread");
        CompletableFuture<Integer> token = new CompletableFuture<>();
        CountDownLatch end = new CountDownLatch(1);
        CompletableFuture<Void> locker = async("srcu-locker", () -> {
            int t = d.readLock();
            token.complete(t);
            Waits.await(end, "end");
            d.readUnlock(t);
        });
        try {
            int t = await(token, "the locker's token");
            assertThatThrownBy(() -> d.readUnlock(t))
                    .as("readUnlock() on a thread that did not take the token")
                    .isInstanceOf(IllegalStateException.class);
            // this thread's own section of the same depth and slot (no grace period ran): the
            // foreign token must not end it. Tokens are salted per thread (16 random bits).
            int mine = d.readLock();
            assertThat(mine).as("this thread's token, salted differently").isNotEqualTo(t);
            assertThatThrownBy(() -> d.readUnlock(t))
                    .as("readUnlock(another thread's token) inside an own section of the same shape")
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("another thread's");
            d.readUnlock(mine);
            CompletableFuture<Void> gp = async("srcu-wrong-thread-updater", d::synchronize);
            assertBlocked(gp, "synchronize() while the locker's section is open");
            end.countDown();
            await(locker, "the locker to end its own section");
            await(gp, "synchronize()");
        } finally {
            end.countDown();
        }
    }

    @Test
    void upReadWithAReadLockTokenThrowsAndChangesNothing() {
        Srcu d = domains.srcu("srcu-up-locktoken");
        assertMisuseChangesNothing(d, () -> {
            int t = d.readLock();
            assertThatThrownBy(() -> d.upRead(t))
                    .isInstanceOf(IllegalStateException.class)
                    .message()
                    .isNotBlank();
            d.readUnlock(t);
        });
    }

    @Test
    void upReadTwiceThrowsAndChangesNothing() {
        Srcu d = domains.srcu("srcu-up-twice");
        assertMisuseChangesNothing(d, () -> {
            int down = d.downRead();
            d.upRead(down);
            assertThatThrownBy(() -> d.upRead(down)).isInstanceOf(IllegalStateException.class);
        });
    }

    @Test
    void upReadWithAnotherDomainsTokenThrowsAndChangesNothing() {
        Srcu d = domains.srcu("srcu-up-foreign");
        Srcu other = domains.srcu("srcu-up-foreign-other");
        assertMisuseChangesNothing(d, () -> {
            int foreign = other.downRead();
            assertThatThrownBy(() -> d.upRead(foreign)).isInstanceOf(IllegalStateException.class);
            int mine = d.downRead();
            assertThatThrownBy(() -> d.upRead(foreign))
                    .as(
                            "upRead(token of another domain) while this domain has a downRead section open"
                                    + " (this domain's token %d, the other's %d)",
                            mine, foreign)
                    .isInstanceOf(IllegalStateException.class);
            d.upRead(mine);
            other.upRead(foreign);
        });
    }

    @Test
    void readSectionCloseWhenTheInnermostWasOpenedByReadLockThrows() {
        Srcu d = domains.srcu("srcu-section-vs-token");
        assertMisuseChangesNothing(d, () -> {
            var section = d.read();
            int t = d.readLock();
            assertThatThrownBy(section::close).isInstanceOf(IllegalStateException.class);
            d.readUnlock(t);
            section.close();
        });
    }

    @Test
    void readUnlockWhenTheInnermostWasOpenedByReadThrows() {
        Srcu d = domains.srcu("srcu-token-vs-section");
        assertMisuseChangesNothing(d, () -> {
            int t = d.readLock();
            var section = d.read();
            assertThatThrownBy(() -> d.readUnlock(t)).isInstanceOf(IllegalStateException.class);
            section.close();
            d.readUnlock(t);
        });
    }

    @Test
    void nestingUpTo16383IsAllowedAndOneMoreIsRefused() {
        Srcu d = domains.srcu("srcu-deep");
        assertMisuseChangesNothing(d, () -> {
            int max = 16383;
            int[] tokens = new int[max];
            for (int i = 0; i < max; i++) {
                tokens[i] = d.readLock();
            }
            assertThatThrownBy(d::readLock)
                    .as("readLock() nested %d deep", max + 1)
                    .isInstanceOf(IllegalStateException.class);
            for (int i = max - 1; i >= 0; i--) {
                d.readUnlock(tokens[i]);
            }
            assertThatThrownBy(() -> d.readUnlock(tokens[0])).isInstanceOf(IllegalStateException.class);
        });
    }

    @Test
    void downReadOnOneThreadUpReadOnAnotherThatThreadHavingEnded() {
        Srcu d = domains.srcu("srcu-down-up");
        int token = await(async("srcu-downer", d::downRead), "downRead() on a thread that then ends");
        CompletableFuture<Void> gp = async("srcu-down-up-updater", d::synchronize);
        assertBlocked(gp, "synchronize() while a downRead() section is open (its thread has ended)");
        await(async("srcu-upper", () -> d.upRead(token)), "upRead() on yet another thread");
        await(gp, "synchronize() after upRead()");
    }

    @Test
    void downReadAndUpReadOnDifferentVirtualThreads() throws Exception {
        Srcu d = domains.srcu("srcu-down-up-virtual");
        CompletableFuture<Integer> token = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> token.complete(d.downRead()));
        int t = await(token, "downRead() on a virtual thread");
        CompletableFuture<Void> gp = async("srcu-down-up-virtual-updater", d::synchronize);
        assertBlocked(gp, "synchronize() while a downRead() section is open");
        Thread up = Thread.ofVirtual().start(() -> d.upRead(t));
        assertThat(up.join(Waits.LONG)).isTrue();
        await(gp, "synchronize() after upRead()");
    }

    @Test
    void aDownReadSectionIsNotNestedInTheCallersSections() {
        Srcu d = domains.srcu("srcu-down-not-nested");
        int down = await(
                async("srcu-down-not-nested-reader", () -> {
                    int t = d.readLock();
                    int dr = d.downRead();
                    d.readUnlock(t); // allowed: the downRead section is not nested in this one
                    try (var s = d.read()) {
                        // the thread's own sections still work around it
                    }
                    return dr;
                }),
                "the reader");
        CompletableFuture<Void> gp = async("srcu-down-not-nested-updater", d::synchronize);
        assertBlocked(gp, "synchronize() while the downRead() section is open");
        d.upRead(down);
        await(gp, "synchronize() after upRead()");
    }

    @Test
    void oracle2StarvationFreeUnderHandOverHandDownReads() {
        // One thread keeps a downRead() section open at every instant: it opens the next before
        // ending the previous. The domain's reader count never reaches zero.
        Srcu d = domains.srcu("srcu-hand-over-hand");
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Void> reader = async("srcu-hand-over-hand-reader", () -> {
            int previous = d.downRead();
            started.countDown();
            while (!stop.get()) {
                int next = d.downRead();
                d.upRead(previous);
                previous = next;
                GracePeriodTest.spin(2_000);
            }
            d.upRead(previous);
        });
        try {
            await(started, "the reader");
            for (int i = 0; i < 10; i++) {
                await(
                        async("srcu-hand-over-hand-updater", i % 2 == 0 ? d::synchronize : d::synchronizeExpedited),
                        "grace period #" + i + " while a downRead() section is open at every instant");
            }
        } finally {
            stop.set(true);
        }
        await(reader, "the reader");
    }

    /** One section of a virtual thread, timed from inside it. */
    record Sample(long start, long end, boolean carrierChanged) {}

    @Test
    void oracle1ReadersOnManyVirtualThreadsThatSleepAndParkInsideSections() {
        Srcu d = domains.srcu("srcu-virtual");
        ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        List<long[]> gps = new ArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        int threads = 1000;
        CountDownLatch done = new CountDownLatch(threads);
        for (int i = 0; i < threads; i++) {
            int kind = i % 3;
            Thread.ofVirtual().name("srcu-virtual-reader-" + i).start(() -> {
                try {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int j = 0; j < 3; j++) {
                        String carrierBefore;
                        long start;
                        long end;
                        // three read sides: try-with-resources, token pair, downRead/upRead
                        int token = kind == 1 ? d.readLock() : kind == 2 ? d.downRead() : 0;
                        var section = kind == 0 ? d.read() : null;
                        start = System.nanoTime();
                        carrierBefore = carrier();
                        if (rnd.nextBoolean()) {
                            Thread.sleep(rnd.nextInt(1, 5));
                        } else {
                            LockSupport.parkNanos(rnd.nextInt(100_000, 3_000_000));
                        }
                        Thread.yield();
                        boolean changed = !carrier().equals(carrierBefore);
                        end = System.nanoTime();
                        switch (kind) {
                            case 0 -> section.close();
                            case 1 -> d.readUnlock(token);
                            default -> d.upRead(token);
                        }
                        samples.add(new Sample(start, end, changed));
                    }
                } catch (Throwable e) {
                    failures.incrementAndGet();
                    e.printStackTrace();
                } finally {
                    done.countDown();
                }
            });
        }
        while (done.getCount() > 0) {
            long start = System.nanoTime();
            await(
                    async("srcu-virtual-updater", gps.size() % 2 == 0 ? d::synchronize : d::synchronizeExpedited),
                    "a grace period with sleeping virtual-thread readers");
            gps.add(new long[] {start, System.nanoTime()});
        }
        await(done, "the virtual threads");
        assertThat(failures.get()).as("virtual threads that failed").isZero();
        assertThat(samples).hasSize(threads * 3);
        assertThat(gps).isNotEmpty();
        for (long[] gp : gps) {
            for (Sample s : samples) {
                if (s.start < gp[0] && s.end > gp[1]) {
                    fail(
                            "a section [%d, %d] began before the grace period [%d, %d] but ended after it",
                            s.start, s.end, gp[0], gp[1]);
                }
            }
        }
        long changed = samples.stream().filter(Sample::carrierChanged).count();
        System.out.printf(
                "srcu virtual readers: %d sections, %d grace periods, %d carrier changes%n",
                samples.size(), gps.size(), changed);
    }

    /** The carrier thread a virtual thread is mounted on, from its toString(). */
    private static String carrier() {
        String s = Thread.currentThread().toString();
        int at = s.lastIndexOf('@');
        return at < 0 ? s : s.substring(at + 1);
    }

    @Test
    void closeRefusesWhileADownReadSectionIsOpen() {
        Srcu d = domains.srcu("srcu-close-down");
        int token = await(async("srcu-close-downer", d::downRead), "downRead()");
        TestSupport.assertCloseRefused(d);
        d.upRead(token);
        d.synchronize();
        d.close();
    }
}
