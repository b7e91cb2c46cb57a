package io.tracepoint4j.jcstress.gp;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.tracepoint4j.rcu.ClassicRcu;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The grace-period protocol of {@link ClassicRcu}, through its public API: the four patterns of the
 * package documentation, each with {@code read()} and {@code synchronize()}, and with {@code
 * readLock()}/{@code readUnlock()} and {@code synchronizeExpedited()}. The reader carries only
 * {@code ReadSideBarrier.lightBarrier()}, so on Linux these also test the membarrier(2) pairing end
 * to end.
 */
public final class ClassicRcuGracePeriodTest {

    private ClassicRcuGracePeriodTest() {}

    /**
     * The fundamental guarantee: a grace period waits for a section that began before it. With
     * {@code read()} and {@code synchronize()}.
     */
    @JCStressTest
    @Outcome(
            id = "0, 0",
            expect = ACCEPTABLE,
            desc =
                    "The section ended before the grace period ended, or began after it and read before the updater wrote.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The section began after the grace period began.")
    @Outcome(
            id = "1, 0",
            expect = ACCEPTABLE_INTERESTING,
            desc = "The section overlapped the grace period and began after it: it saw x, not yet y.")
    @Outcome(
            id = "0, 1",
            expect = FORBIDDEN,
            desc = "A section that began before the grace period was still running after the grace period ended.")
    public static class WaitsForReader {
        static final ClassicRcu DOMAIN = ClassicRcu.create("jcstress-rcu-WaitsForReader");

        @Actor
        public void reader(Cells c, II_Result r) {
            try (var _ = DOMAIN.read()) {
                r.r1 = c.xOpaque();
                r.r2 = c.yOpaque();
            }
        }

        @Actor
        public void updater(Cells c) {
            c.setXOpaque(1);
            DOMAIN.synchronize();
            c.setYOpaque(1);
        }
    }

    /**
     * The fundamental guarantee: a grace period waits for a section that began before it. With
     * {@code readLock()}/{@code readUnlock} and {@code synchronizeExpedited()}.
     */
    @JCStressTest
    @Outcome(
            id = "0, 0",
            expect = ACCEPTABLE,
            desc =
                    "The section ended before the grace period ended, or began after it and read before the updater wrote.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The section began after the grace period began.")
    @Outcome(
            id = "1, 0",
            expect = ACCEPTABLE_INTERESTING,
            desc = "The section overlapped the grace period and began after it: it saw x, not yet y.")
    @Outcome(
            id = "0, 1",
            expect = FORBIDDEN,
            desc = "A section that began before the grace period was still running after the grace period ended.")
    public static class WaitsForReaderTokenExpedited {
        static final ClassicRcu DOMAIN = ClassicRcu.create("jcstress-rcu-WaitsForReaderTokenExpedited");

        @Actor
        public void reader(Cells c, II_Result r) {
            DOMAIN.readLock();
            r.r1 = c.xOpaque();
            r.r2 = c.yOpaque();
            DOMAIN.readUnlock();
        }

        @Actor
        public void updater(Cells c) {
            c.setXOpaque(1);
            DOMAIN.synchronizeExpedited();
            c.setYOpaque(1);
        }
    }

    /**
     * Writes before synchronize() are seen by a section that began after it began (oracle 3). With
     * {@code read()} and {@code synchronize()}.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "The section read before the updater wrote.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The section began after the grace period began.")
    @Outcome(
            id = "0, 1",
            expect = ACCEPTABLE_INTERESTING,
            desc = "The section overlapped the grace period: it saw x, not yet y.")
    @Outcome(
            id = "1, 0",
            expect = FORBIDDEN,
            desc = "A section that saw the write made after the grace period missed the write made before it.")
    public static class PublishesToLaterReader {
        static final ClassicRcu DOMAIN = ClassicRcu.create("jcstress-rcu-PublishesToLaterReader");

        @Actor
        public void reader(Cells c, II_Result r) {
            try (var _ = DOMAIN.read()) {
                r.r1 = c.yOpaque();
                r.r2 = c.xOpaque();
            }
        }

        @Actor
        public void updater(Cells c) {
            c.setXOpaque(1);
            DOMAIN.synchronize();
            c.setYOpaque(1);
        }
    }

    /**
     * Writes before synchronize() are seen by a section that began after it began (oracle 3). With
     * {@code readLock()}/{@code readUnlock} and {@code synchronizeExpedited()}.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "The section read before the updater wrote.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The section began after the grace period began.")
    @Outcome(
            id = "0, 1",
            expect = ACCEPTABLE_INTERESTING,
            desc = "The section overlapped the grace period: it saw x, not yet y.")
    @Outcome(
            id = "1, 0",
            expect = FORBIDDEN,
            desc = "A section that saw the write made after the grace period missed the write made before it.")
    public static class PublishesToLaterReaderTokenExpedited {
        static final ClassicRcu DOMAIN = ClassicRcu.create("jcstress-rcu-PublishesToLaterReaderTokenExpedited");

        @Actor
        public void reader(Cells c, II_Result r) {
            DOMAIN.readLock();
            r.r1 = c.yOpaque();
            r.r2 = c.xOpaque();
            DOMAIN.readUnlock();
        }

        @Actor
        public void updater(Cells c) {
            c.setXOpaque(1);
            DOMAIN.synchronizeExpedited();
            c.setYOpaque(1);
        }
    }

    /**
     * Writes inside a section that began before the grace period are seen by the updater after it
     * (oracle 3). With {@code read()} and {@code synchronize()}.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "The updater read both cells before the section wrote them.")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The section began after the updater's first read.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE_INTERESTING,
            desc = "The section began before the grace period, and the grace period waited for it.")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "The grace period ended before a section that began before it.")
    public static class ReaderWritesVisibleAfter {
        static final ClassicRcu DOMAIN = ClassicRcu.create("jcstress-rcu-ReaderWritesVisibleAfter");

        @Actor
        public void reader(Cells c) {
            try (var _ = DOMAIN.read()) {
                c.setYOpaque(1);
                c.setXOpaque(1);
            }
        }

        @Actor
        public void updater(Cells c, II_Result r) {
            r.r1 = c.yOpaque();
            DOMAIN.synchronize();
            r.r2 = c.xOpaque();
        }
    }

    /**
     * Writes inside a section that began before the grace period are seen by the updater after it
     * (oracle 3). With {@code readLock()}/{@code readUnlock} and {@code synchronizeExpedited()}.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "The updater read both cells before the section wrote them.")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The section began after the updater's first read.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE_INTERESTING,
            desc = "The section began before the grace period, and the grace period waited for it.")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "The grace period ended before a section that began before it.")
    public static class ReaderWritesVisibleAfterTokenExpedited {
        static final ClassicRcu DOMAIN = ClassicRcu.create("jcstress-rcu-ReaderWritesVisibleAfterTokenExpedited");

        @Actor
        public void reader(Cells c) {
            DOMAIN.readLock();
            c.setYOpaque(1);
            c.setXOpaque(1);
            DOMAIN.readUnlock();
        }

        @Actor
        public void updater(Cells c, II_Result r) {
            r.r1 = c.yOpaque();
            DOMAIN.synchronizeExpedited();
            r.r2 = c.xOpaque();
        }
    }

    /**
     * Both directions at once: the store-buffering shape of the grace-period guarantee. With {@code
     * read()} and {@code synchronize()}.
     */
    @JCStressTest
    @Outcome(
            id = "0, 1",
            expect = ACCEPTABLE,
            desc = "The section began before the grace period and ended before it ended.")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The section began after the grace period began.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE,
            desc = "The section began after the grace period began and wrote before the updater read.")
    @Outcome(
            id = "0, 0",
            expect = FORBIDDEN,
            desc =
                    "Neither half of the guarantee held: the section missed the write before the grace period, the updater missed the section's write after it.")
    public static class BothWays {
        static final ClassicRcu DOMAIN = ClassicRcu.create("jcstress-rcu-BothWays");

        @Actor
        public void reader(Cells c, II_Result r) {
            try (var _ = DOMAIN.read()) {
                r.r1 = c.yOpaque();
                c.setXOpaque(1);
            }
        }

        @Actor
        public void updater(Cells c, II_Result r) {
            c.setYOpaque(1);
            DOMAIN.synchronize();
            r.r2 = c.xOpaque();
        }
    }

    /**
     * Both directions at once: the store-buffering shape of the grace-period guarantee. With {@code
     * readLock()}/{@code readUnlock} and {@code synchronizeExpedited()}.
     */
    @JCStressTest
    @Outcome(
            id = "0, 1",
            expect = ACCEPTABLE,
            desc = "The section began before the grace period and ended before it ended.")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The section began after the grace period began.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE,
            desc = "The section began after the grace period began and wrote before the updater read.")
    @Outcome(
            id = "0, 0",
            expect = FORBIDDEN,
            desc =
                    "Neither half of the guarantee held: the section missed the write before the grace period, the updater missed the section's write after it.")
    public static class BothWaysTokenExpedited {
        static final ClassicRcu DOMAIN = ClassicRcu.create("jcstress-rcu-BothWaysTokenExpedited");

        @Actor
        public void reader(Cells c, II_Result r) {
            DOMAIN.readLock();
            r.r1 = c.yOpaque();
            c.setXOpaque(1);
            DOMAIN.readUnlock();
        }

        @Actor
        public void updater(Cells c, II_Result r) {
            c.setYOpaque(1);
            DOMAIN.synchronizeExpedited();
            r.r2 = c.xOpaque();
        }
    }
}
