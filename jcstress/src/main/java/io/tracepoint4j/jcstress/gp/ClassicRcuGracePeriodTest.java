package io.tracepoint4j.jcstress.gp;

import io.tracepoint4j.rcu.ClassicRcu;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The grace-period protocol of {@link ClassicRcu}, through its public API: the four patterns of
 * {@link Pattern}, each with {@code read()} and {@code synchronize()} (no suffix), and with {@code
 * readLock()}/{@code readUnlock()} and {@code synchronizeExpedited()} ({@code TokenExpedited}). The
 * reader carries only the reader's half of the barrier pair (nothing under membarrier), so on Linux these also test the
 * membarrier(2) pairing end to end. The store-buffering patterns ({@code WaitsForReader},
 * {@code BothWays}) also run with {@code read()} and {@code synchronize()} on established adaptive
 * reader fences ({@code ReaderFenced}, see {@link ReaderFences}). Each test has a domain of its own,
 * created once per forked VM.
 */
public final class ClassicRcuGracePeriodTest {

    private ClassicRcuGracePeriodTest() {}

    @JCStressTest
    public static class WaitsForReader extends Pattern.WaitsForReader {
        static final Variant VARIANT = Variant.read(ClassicRcu.create("jcstress-rcu-WaitsForReader"));

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
                Variant.tokenExpedited(ClassicRcu.create("jcstress-rcu-WaitsForReaderTokenExpedited"));

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
        static final Variant VARIANT = Variant.read(ClassicRcu.create("jcstress-rcu-PublishesToLaterReader"));

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
                Variant.tokenExpedited(ClassicRcu.create("jcstress-rcu-PublishesToLaterReaderTokenExpedited"));

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
        static final Variant VARIANT = Variant.read(ClassicRcu.create("jcstress-rcu-ReaderWritesVisibleAfter"));

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
                Variant.tokenExpedited(ClassicRcu.create("jcstress-rcu-ReaderWritesVisibleAfterTokenExpedited"));

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
        static final Variant VARIANT = Variant.read(ClassicRcu.create("jcstress-rcu-BothWays"));

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
        static final Variant VARIANT = Variant.tokenExpedited(ClassicRcu.create("jcstress-rcu-BothWaysTokenExpedited"));

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
                Variant.read(ReaderFences.forced(() -> ClassicRcu.create("jcstress-rcu-WaitsForReaderReaderFenced")));

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
                Variant.read(ReaderFences.forced(() -> ClassicRcu.create("jcstress-rcu-BothWaysReaderFenced")));

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
