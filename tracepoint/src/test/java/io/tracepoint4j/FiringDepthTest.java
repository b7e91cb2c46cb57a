package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Probes that fire tracepoints: nesting works down to {@link Tracepoint#MAX_FIRING_DEPTH}, and a
 * firing deeper than that calls no probe and is counted, so a probe that fires its own tracepoint
 * without end returns instead of overflowing the stack.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class FiringDepthTest {

    /** A prototype with one argument: the depth. */
    public interface Level {
        void level(int depth);
    }

    @Test
    void aProbeFiringItsOwnTracepointWithoutEndStopsAtTheDepthLimit() {
        Tracepoint<Level> tracepoint = Tracepoint.define(unique("depth", "regular"), Level.class, "depth");
        assertEndlessRecursionStops(tracepoint);
    }

    @Test
    void faultableFiringsStopAtTheDepthLimitToo() {
        Tracepoint<Level> tracepoint = Tracepoint.defineFaultable(unique("depth", "faultable"), Level.class, "depth");
        assertEndlessRecursionStops(tracepoint);
    }

    private static void assertEndlessRecursionStops(Tracepoint<Level> tracepoint) {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger deepest = new AtomicInteger();
        Level endless = new Level() {
            @Override
            public void level(int depth) {
                calls.incrementAndGet();
                deepest.accumulateAndGet(depth, Math::max);
                tracepoint.fire().level(depth + 1);
            }
        };
        tracepoint.register(endless);
        try {
            tracepoint.fire().level(1);
            assertThat(calls).hasValue(Tracepoint.MAX_FIRING_DEPTH);
            assertThat(deepest).hasValue(Tracepoint.MAX_FIRING_DEPTH);
            assertThat(tracepoint.firingsTooDeep()).isEqualTo(1);

            tracepoint.fire().level(1);
            assertThat(calls).hasValue(2 * Tracepoint.MAX_FIRING_DEPTH);
            assertThat(tracepoint.firingsTooDeep())
                    .as("counted once per dropped firing")
                    .isEqualTo(2);
            assertThat(tracepoint.failures(endless)).as("nothing was thrown").isZero();
        } finally {
            tracepoint.unregister(endless);
        }
    }

    /** Firings nested within the limit call their probes: the limit counts depth, not firings. */
    @Test
    void firingsWithinTheLimitCallEveryProbe() {
        Tracepoint<Level> tracepoint = Tracepoint.define(unique("depth", "bounded"), Level.class, "depth");
        AtomicInteger calls = new AtomicInteger();
        Level bounded = new Level() {
            @Override
            public void level(int depth) {
                calls.incrementAndGet();
                if (depth < Tracepoint.MAX_FIRING_DEPTH) {
                    tracepoint.fire().level(depth + 1);
                }
            }
        };
        tracepoint.register(bounded);
        try {
            for (int i = 0; i < 100; i++) {
                tracepoint.fire().level(1);
            }
            assertThat(calls).hasValue(100 * Tracepoint.MAX_FIRING_DEPTH);
            assertThat(tracepoint.firingsTooDeep()).isZero();
        } finally {
            tracepoint.unregister(bounded);
        }
    }

    /** A chain that alternates flavors ends too: each flavor's depth grows by one every other level. */
    @Test
    void aChainAlternatingFlavorsEnds() {
        Tracepoint<Level> regular = Tracepoint.define(unique("depth", "ping"), Level.class, "depth");
        Tracepoint<Level> faultable = Tracepoint.defineFaultable(unique("depth", "pong"), Level.class, "depth");
        AtomicInteger calls = new AtomicInteger();
        Level ping = new Level() {
            @Override
            public void level(int depth) {
                calls.incrementAndGet();
                faultable.fire().level(depth + 1);
            }
        };
        Level pong = new Level() {
            @Override
            public void level(int depth) {
                calls.incrementAndGet();
                regular.fire().level(depth + 1);
            }
        };
        regular.register(ping);
        faultable.register(pong);
        try {
            regular.fire().level(1);
            assertThat(calls).hasValue(2 * Tracepoint.MAX_FIRING_DEPTH);
            assertThat(regular.firingsTooDeep() + faultable.firingsTooDeep()).isEqualTo(1);
        } finally {
            regular.unregister(ping);
            faultable.unregister(pong);
        }
    }

    /** The writers of writer probes hear of a firing they missed; other probes' writers do not exist. */
    @Test
    void writerProbesAreToldOfFiringsTooDeep() {
        Tracepoint<Level> tracepoint = Tracepoint.define(unique("depth", "writer"), Level.class, "depth");
        AtomicInteger told = new AtomicInteger();
        AtomicInteger written = new AtomicInteger();
        ArgumentWriter writer = new WriterProbeTest.RecordingWriter() {
            @Override
            public long begin(int variableSize) {
                written.incrementAndGet();
                return -1; // skip the arguments
            }

            @Override
            public void firingTooDeep() {
                told.incrementAndGet();
            }
        };
        Level probe = tracepoint.writerProbe(writer);
        Level endless = new Level() {
            @Override
            public void level(int depth) {
                tracepoint.fire().level(depth + 1);
            }
        };
        tracepoint.register(endless);
        tracepoint.register(probe);
        try {
            tracepoint.fire().level(1);
            assertThat(written).hasValue(Tracepoint.MAX_FIRING_DEPTH);
            assertThat(told).hasValue(1);
        } finally {
            tracepoint.unregister(endless);
            tracepoint.unregister(probe);
        }
    }
}
