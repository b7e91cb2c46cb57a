package io.tracepoint4j.jcstress.gp;

import io.tracepoint4j.rcu.Srcu;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The grace-period protocol of {@link Srcu}, through its public API: the four patterns of {@link
 * Pattern}, each with {@code read()} and {@code synchronize()} (no suffix), with the token pair and
 * {@code synchronizeExpedited()} ({@code TokenExpedited}), and, for the patterns about a section that
 * began before the grace period, with {@code downRead()}/{@code upRead(token)} and {@code
 * synchronize()} ({@code DownUp}). The store-buffering patterns ({@code WaitsForReader},
 * {@code BothWays}) also run with {@code read()} and {@code synchronize()} on established adaptive
 * reader fences ({@code ReaderFenced}, see {@link ReaderFences}). Each test has a domain of its own,
 * created once per forked VM.
 */
public final class SrcuGracePeriodTest {

    private SrcuGracePeriodTest() {}

    @JCStressTest
    public static class WaitsForReader extends Pattern.WaitsForReader {
        static final Variant VARIANT = Variant.read(Srcu.create("jcstress-srcu-WaitsForReader"));

        @Actor
        public void reader(Cells c, II_Result r) {
            read(VARIANT, c, r);
        }

        @Actor
        public void updater(Cells c) {
            update(VARIANT, c);
        }
    }

    @JCStressTest
    public static class WaitsForReaderTokenExpedited extends Pattern.WaitsForReader {
        static final Variant VARIANT =
                Variant.tokenExpedited(Srcu.create("jcstress-srcu-WaitsForReaderTokenExpedited"));

        @Actor
        public void reader(Cells c, II_Result r) {
            read(VARIANT, c, r);
        }

        @Actor
        public void updater(Cells c) {
            update(VARIANT, c);
        }
    }

    @JCStressTest
    public static class WaitsForReaderDownUp extends Pattern.WaitsForReader {
        static final Variant VARIANT = Variant.downUp(Srcu.create("jcstress-srcu-WaitsForReaderDownUp"));

        @Actor
        public void reader(Cells c, II_Result r) {
            read(VARIANT, c, r);
        }

        @Actor
        public void updater(Cells c) {
            update(VARIANT, c);
        }
    }

    @JCStressTest
    public static class PublishesToLaterReader extends Pattern.PublishesToLaterReader {
        static final Variant VARIANT = Variant.read(Srcu.create("jcstress-srcu-PublishesToLaterReader"));

        @Actor
        public void reader(Cells c, II_Result r) {
            read(VARIANT, c, r);
        }

        @Actor
        public void updater(Cells c) {
            update(VARIANT, c);
        }
    }

    @JCStressTest
    public static class PublishesToLaterReaderTokenExpedited extends Pattern.PublishesToLaterReader {
        static final Variant VARIANT =
                Variant.tokenExpedited(Srcu.create("jcstress-srcu-PublishesToLaterReaderTokenExpedited"));

        @Actor
        public void reader(Cells c, II_Result r) {
            read(VARIANT, c, r);
        }

        @Actor
        public void updater(Cells c) {
            update(VARIANT, c);
        }
    }

    @JCStressTest
    public static class ReaderWritesVisibleAfter extends Pattern.ReaderWritesVisibleAfter {
        static final Variant VARIANT = Variant.read(Srcu.create("jcstress-srcu-ReaderWritesVisibleAfter"));

        @Actor
        public void reader(Cells c) {
            read(VARIANT, c);
        }

        @Actor
        public void updater(Cells c, II_Result r) {
            update(VARIANT, c, r);
        }
    }

    @JCStressTest
    public static class ReaderWritesVisibleAfterTokenExpedited extends Pattern.ReaderWritesVisibleAfter {
        static final Variant VARIANT =
                Variant.tokenExpedited(Srcu.create("jcstress-srcu-ReaderWritesVisibleAfterTokenExpedited"));

        @Actor
        public void reader(Cells c) {
            read(VARIANT, c);
        }

        @Actor
        public void updater(Cells c, II_Result r) {
            update(VARIANT, c, r);
        }
    }

    @JCStressTest
    public static class ReaderWritesVisibleAfterDownUp extends Pattern.ReaderWritesVisibleAfter {
        static final Variant VARIANT = Variant.downUp(Srcu.create("jcstress-srcu-ReaderWritesVisibleAfterDownUp"));

        @Actor
        public void reader(Cells c) {
            read(VARIANT, c);
        }

        @Actor
        public void updater(Cells c, II_Result r) {
            update(VARIANT, c, r);
        }
    }

    @JCStressTest
    public static class BothWays extends Pattern.BothWays {
        static final Variant VARIANT = Variant.read(Srcu.create("jcstress-srcu-BothWays"));

        @Actor
        public void reader(Cells c, II_Result r) {
            read(VARIANT, c, r);
        }

        @Actor
        public void updater(Cells c, II_Result r) {
            update(VARIANT, c, r);
        }
    }

    @JCStressTest
    public static class BothWaysTokenExpedited extends Pattern.BothWays {
        static final Variant VARIANT = Variant.tokenExpedited(Srcu.create("jcstress-srcu-BothWaysTokenExpedited"));

        @Actor
        public void reader(Cells c, II_Result r) {
            read(VARIANT, c, r);
        }

        @Actor
        public void updater(Cells c, II_Result r) {
            update(VARIANT, c, r);
        }
    }

    @JCStressTest
    public static class WaitsForReaderReaderFenced extends Pattern.WaitsForReader {
        static final Variant VARIANT =
                Variant.read(ReaderFences.forced(() -> Srcu.create("jcstress-srcu-WaitsForReaderReaderFenced")));

        @Actor
        public void reader(Cells c, II_Result r) {
            read(VARIANT, c, r);
        }

        @Actor
        public void updater(Cells c) {
            update(VARIANT, c);
        }
    }

    @JCStressTest
    public static class BothWaysReaderFenced extends Pattern.BothWays {
        static final Variant VARIANT =
                Variant.read(ReaderFences.forced(() -> Srcu.create("jcstress-srcu-BothWaysReaderFenced")));

        @Actor
        public void reader(Cells c, II_Result r) {
            read(VARIANT, c, r);
        }

        @Actor
        public void updater(Cells c, II_Result r) {
            update(VARIANT, c, r);
        }
    }
}
