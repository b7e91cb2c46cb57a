package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Firing allocates nothing, disabled or enabled, with primitive and String arguments: measured
 * with the thread's allocation counter around 100k firings after warm-up. A boxed {@code long} per
 * firing would show as 1.6 MB.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class AllocationTest {

    /** The prototype used here. */
    public interface Request {
        void request(String method, int status, long nanos, double ratio);
    }

    private static final int FIRINGS = 100_000;
    /** Slack for the measurement itself; far below one byte per firing. */
    private static final long SLACK_BYTES = 4096;

    static final Tracepoint<Request> DISABLED =
            Tracepoint.define(unique("alloc", "disabled"), Request.class, "method", "status", "nanos", "ratio");
    static final Tracepoint<Request> REGULAR =
            Tracepoint.define(unique("alloc", "regular"), Request.class, "method", "status", "nanos", "ratio");
    static final Tracepoint<Request> FAULTABLE = Tracepoint.defineFaultable(
            unique("alloc", "faultable"), Request.class, "method", "status", "nanos", "ratio");

    static long sink;
    static Object escape;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Arguments outside every box cache, so that boxing would have to allocate. */
    static void fireMany(Tracepoint<Request> tp, int n) {
        for (int i = 0; i < n; i++) {
            tp.fire().request("GET", 1000 + i, 1_000_000_000L + i, i * 0.5);
        }
    }

    static void guardedFireMany(Tracepoint<Request> tp, int n) {
        for (int i = 0; i < n; i++) {
            if (tp.enabled()) {
                tp.fire().request("GET", 1000 + i, 1_000_000_000L + i, i * 0.5);
            }
        }
    }

    static long allocatedByFiring(Tracepoint<Request> tp, boolean guarded) {
        for (int warm = 0; warm < 20; warm++) {
            fireMany(tp, FIRINGS / 10);
            guardedFireMany(tp, FIRINGS / 10);
        }
        long best = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3; attempt++) { // the minimum: a stray allocation elsewhere is not ours
            long before = THREADS.getCurrentThreadAllocatedBytes();
            if (guarded) {
                guardedFireMany(tp, FIRINGS);
            } else {
                fireMany(tp, FIRINGS);
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            best = Math.min(best, allocated);
        }
        return best;
    }

    @Test
    void disabledFiringAllocatesAndBoxesNothing() {
        assertThat(THREADS.isThreadAllocatedMemorySupported()).isTrue();
        THREADS.setThreadAllocatedMemoryEnabled(true);
        assertThat(DISABLED.enabled()).isFalse();
        assertThat(allocatedByFiring(DISABLED, false)).isLessThan(SLACK_BYTES);
        assertThat(allocatedByFiring(DISABLED, true)).isLessThan(SLACK_BYTES);
    }

    @Test
    void enabledFiringWithOneProbeAllocatesNothing() {
        THREADS.setThreadAllocatedMemoryEnabled(true);
        Request probe = (method, status, nanos, ratio) -> sink += method.length() + status + nanos + (long) ratio;
        for (Tracepoint<Request> typed : List.of(REGULAR, FAULTABLE)) {
            typed.register(probe);
            try {
                long before = sink;
                assertThat(allocatedByFiring(typed, false)).as(typed.name()).isLessThan(SLACK_BYTES);
                assertThat(allocatedByFiring(typed, true)).as(typed.name()).isLessThan(SLACK_BYTES);
                assertThat(sink).isNotEqualTo(before);
            } finally {
                typed.unregister(probe);
            }
        }
    }

    /** The control: a probe that boxes shows up, so the measurement can see allocation. */
    @Test
    void measurementSeesAProbeThatBoxes() {
        THREADS.setThreadAllocatedMemoryEnabled(true);
        Tracepoint<Request> tp =
                Tracepoint.define(unique("alloc", "control"), Request.class, "method", "status", "nanos", "ratio");
        Request boxing = (method, status, nanos, ratio) -> escape = Long.valueOf(nanos);
        tp.register(boxing);
        try {
            assertThat(allocatedByFiring(tp, false)).isGreaterThan(FIRINGS * 8L);
        } finally {
            tp.unregister(boxing);
        }
    }
}
