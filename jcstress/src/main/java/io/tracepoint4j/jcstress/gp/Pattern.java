package io.tracepoint4j.jcstress.gp;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The four grace-period patterns of the package documentation, one abstract class each: the
 * reader's and the updater's accesses and the outcomes ({@link Outcome} is inherited), for any
 * {@link Variant}. A test is a thin public subclass per flavor and variant, in {@link
 * SrcuGracePeriodTest} and {@link ClassicRcuGracePeriodTest}, that declares the two actors itself
 * (jcstress 0.16 takes {@code @Actor} methods only from the test class's own declarations) and
 * passes its variant, a static final constant, to {@link #read} and the pattern's {@code update}.
 */
abstract class Pattern {

    /**
     * The reader's accesses, all inside one read-side critical section of {@code variant}, with a
     * {@link SectionHold#spin()} between the first and the second so that the section overlaps the
     * updater's grace period often enough to catch one that does not wait.
     */
    final void read(Variant variant, Cells c, II_Result r) {
        variant.section(this, c, r);
    }

    /** The reader's accesses; {@code r} is null where the reader records nothing. */
    abstract void inSection(Cells c, II_Result r);

    /** The updater of {@link WaitsForReader} and {@link PublishesToLaterReader}. */
    abstract static class UpdaterWritesXThenY extends Pattern {
        final void update(Variant variant, Cells c) {
            c.setXOpaque(1);
            variant.gracePeriod();
            c.setYOpaque(1);
        }
    }

    /** The fundamental guarantee: a grace period waits for a section that began before it. */
    @Outcome(
            id = "0, 0",
            expect = ACCEPTABLE,
            desc =
                    "The section ended before the grace period ended, or began after it and read before the updater wrote.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The section began after the grace period began.")
    @Outcome(
            id = "1, 0",
            expect = ACCEPTABLE_INTERESTING,
            desc = "The section overlapped the updater: it began after x = 1 and read y before y = 1.")
    @Outcome(
            id = "0, 1",
            expect = FORBIDDEN,
            desc = "A section that began before the grace period was still running after the grace period ended.")
    abstract static class WaitsForReader extends UpdaterWritesXThenY {
        @Override
        final void inSection(Cells c, II_Result r) {
            r.r1 = c.xOpaque();
            SectionHold.spin();
            r.r2 = c.yOpaque();
        }
    }

    /** Writes before the grace period are seen by a section that began after it began (oracle 3). */
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
    abstract static class PublishesToLaterReader extends UpdaterWritesXThenY {
        @Override
        final void inSection(Cells c, II_Result r) {
            r.r1 = c.yOpaque();
            SectionHold.spin();
            r.r2 = c.xOpaque();
        }
    }

    /**
     * Writes inside a section that began before the grace period are seen by the updater after it
     * (oracle 3).
     */
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "The updater read both cells before the section wrote them.")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The section began after the updater's first read.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE_INTERESTING,
            desc = "The section wrote y before the updater read it. Mostly a reader that ran before the"
                    + " updater, not a grace period that had to wait.")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "The grace period ended before a section that began before it.")
    abstract static class ReaderWritesVisibleAfter extends Pattern {
        /** The reader of this pattern records nothing. */
        final void read(Variant variant, Cells c) {
            read(variant, c, null);
        }

        @Override
        final void inSection(Cells c, II_Result unused) {
            c.setYOpaque(1);
            SectionHold.spin();
            c.setXOpaque(1);
        }

        final void update(Variant variant, Cells c, II_Result r) {
            r.r1 = c.yOpaque();
            variant.gracePeriod();
            r.r2 = c.xOpaque();
        }
    }

    /** Both directions at once: the store-buffering shape of the grace-period guarantee. */
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
    abstract static class BothWays extends Pattern {
        @Override
        final void inSection(Cells c, II_Result r) {
            r.r1 = c.yOpaque();
            SectionHold.spin();
            c.setXOpaque(1);
        }

        final void update(Variant variant, Cells c, II_Result r) {
            c.setYOpaque(1);
            variant.gracePeriod();
            r.r2 = c.xOpaque();
        }
    }
}
