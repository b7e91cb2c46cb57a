package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.WriterProbeTest.Color;
import io.tracepoint4j.WriterProbeTest.Everything;
import io.tracepoint4j.WriterProbeTest.Pair;
import io.tracepoint4j.WriterProbeTest.RecordingWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * {@link Tracepoint#filteredProbe(ArgumentFilter, Object)}: a filter that knows no prototype sees
 * every argument, typed, with its index and its own state threaded through, and the probe it guards
 * runs with the same arguments exactly when the filter accepts; nothing is allocated per firing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class FilteredProbeTest {
    private static final String[] EVERYTHING = {"z", "b", "s", "c", "i", "j", "f", "d", "text", "bytes", "e"};

    /** Records every call as text; its first state is 500 and each test adds one. */
    static class RecordingFilter implements ArgumentFilter {
        final List<String> calls = new ArrayList<>();
        boolean accept = true;

        private long record(long state, int argument, String call) {
            calls.add(call + " #" + argument + " @" + (state - 500));
            return state + 1;
        }

        @Override
        public long begin() {
            calls.add("begin");
            return 500;
        }

        @Override
        public long testBoolean(long state, int argument, boolean value) {
            return record(state, argument, "boolean " + value);
        }

        @Override
        public long testByte(long state, int argument, byte value) {
            return record(state, argument, "byte " + value);
        }

        @Override
        public long testShort(long state, int argument, short value) {
            return record(state, argument, "short " + value);
        }

        @Override
        public long testChar(long state, int argument, char value) {
            return record(state, argument, "char " + value);
        }

        @Override
        public long testInt(long state, int argument, int value) {
            return record(state, argument, "int " + value);
        }

        @Override
        public long testLong(long state, int argument, long value) {
            return record(state, argument, "long " + value);
        }

        @Override
        public long testFloat(long state, int argument, float value) {
            return record(state, argument, "float " + value);
        }

        @Override
        public long testDouble(long state, int argument, double value) {
            return record(state, argument, "double " + value);
        }

        @Override
        public long testString(long state, int argument, String value) {
            return record(state, argument, "String " + value);
        }

        @Override
        public long testBytes(long state, int argument, byte[] value) {
            return record(state, argument, "bytes " + (value == null ? null : value.length));
        }

        @Override
        public long testEnum(long state, int argument, Enum<?> value) {
            return record(state, argument, "enum " + value);
        }

        @Override
        public boolean accept(long state) {
            calls.add("accept @" + (state - 500));
            return accept;
        }

        @Override
        public String toString() {
            return "RecordingFilter";
        }
    }

    @Test
    void everyArgumentTypeReachesTheFilterWithItsIndexAndTheProbeRunsWhenItAccepts() {
        Tracepoint<Everything> tp = Tracepoint.define(unique("filter", "everything"), Everything.class, EVERYTHING);
        RecordingFilter filter = new RecordingFilter();
        RecordingWriter writer = new RecordingWriter();
        Everything probe = tp.filteredProbe(filter, tp.writerProbe(writer));
        tp.register(probe);
        tp.fire()
                .everything(
                        true,
                        (byte) -7,
                        (short) 300,
                        'x',
                        -123_456,
                        1L << 40,
                        1.5f,
                        -2.25,
                        "héllo",
                        new byte[] {1, 2, 3},
                        Color.GREEN);
        filter.accept = false;
        tp.fire().everything(false, (byte) 0, (short) 0, '\0', 0, 0, 0, 0, null, null, null);
        tp.unregister(probe);
        List<String> oneFiring = List.of(
                "begin",
                "boolean %s #0 @0",
                "byte %s #1 @1",
                "short %s #2 @2",
                "char %s #3 @3",
                "int %s #4 @4",
                "long %s #5 @5",
                "float %s #6 @6",
                "double %s #7 @7",
                "String %s #8 @8",
                "bytes %s #9 @9",
                "enum %s #10 @10",
                "accept @11");
        Object[][] values = {
            {true, -7, 300, 'x', -123456, 1099511627776L, 1.5f, -2.25, "héllo", 3, "GREEN"},
            {false, 0, 0, '\0', 0, 0, 0.0f, 0.0, null, null, null}
        };
        List<String> expected = new ArrayList<>();
        for (Object[] firing : values) {
            for (int k = 0; k < oneFiring.size(); k++) {
                String line = oneFiring.get(k);
                expected.add(k == 0 || k == oneFiring.size() - 1 ? line : line.formatted(firing[k - 1]));
            }
        }
        assertThat(filter.calls).containsExactlyElementsOf(expected);
        assertThat(writer.calls)
                .as("the guarded writer probe: the first firing only, with the same arguments")
                .containsExactly(
                        "begin 8",
                        "boolean true @0",
                        "byte -7 @1",
                        "short 300 @2",
                        "char x @3",
                        "int -123456 @4",
                        "long 1099511627776 @5",
                        "float 1.5 @6",
                        "double -2.25 @7",
                        "String héllo @8",
                        "bytes 3 @9",
                        "enum GREEN @10",
                        "end 1000 11");
        assertThat(probe).hasToString("RecordingFilter");
    }

    /** A filter on one argument, as a tracer's would be: only the firings it accepts reach the probe. */
    @Test
    void aFilterOnOneArgumentPassesOnlyTheFiringsItAccepts() {
        Tracepoint<Pair> tp = Tracepoint.define(unique("filter", "pair"), Pair.class, "a", "b");
        List<String> seen = new ArrayList<>();
        Pair guarded = (a, b) -> seen.add(a + " " + b);
        ArgumentFilter evenA = new ArgumentFilter() {
            @Override
            public long begin() {
                return 0;
            }

            @Override
            public long testLong(long state, int argument, long value) {
                return argument == 0 && value % 2 == 0 ? 1 : state;
            }

            @Override
            public boolean accept(long state) {
                return state == 1;
            }
        };
        Pair probe = tp.filteredProbe(evenA, guarded);
        tp.register(probe);
        for (long a = 0; a < 6; a++) {
            tp.fire().pair(a, "n" + a);
        }
        tp.unregister(probe);
        assertThat(seen).containsExactly("0 n0", "2 n2", "4 n4");
    }

    @Test
    void aThrowingFilterIsAProbeFailureAndTheGuardedProbeDoesNotRun() {
        Tracepoint<Pair> tp = Tracepoint.define(unique("filter", "throws"), Pair.class, "a", "b");
        RecordingWriter writer = new RecordingWriter();
        RecordingFilter filter = new RecordingFilter() {
            @Override
            public long testString(long state, int argument, String value) {
                throw new IllegalStateException("filter failed");
            }
        };
        Pair probe = tp.filteredProbe(filter, tp.writerProbe(writer));
        tp.register(probe);
        tp.fire().pair(1, "one");
        assertThat(tp.failures(probe)).isEqualTo(1);
        assertThat(writer.calls).isEmpty();
        tp.unregister(probe);
        TestSupport.awaitFailureReports();
    }

    /** A probe that fires its own tracepoint again: the firings beyond the depth reach no probe. */
    public interface Depth {
        void depth(int level);
    }

    static final Tracepoint<Depth> DEPTH = Tracepoint.define(unique("filter", "depth"), Depth.class, "level");

    /**
     * Firings nested too deep reach no probe, filtered or not, and a writer guarded by a filter is
     * still told of them, so that a tracer counts them as lost: nothing is filtered out silently.
     */
    @Test
    void aGuardedWriterIsToldOfFiringsNestedTooDeep() {
        int[] tooDeep = {0};
        RecordingWriter writer = new RecordingWriter() {
            @Override
            public void firingTooDeep() {
                tooDeep[0]++;
            }
        };
        RecordingFilter rejectAll = new RecordingFilter();
        rejectAll.accept = false;
        Depth recurse = level -> DEPTH.fire().depth(level + 1);
        Depth filtered = DEPTH.filteredProbe(rejectAll, DEPTH.writerProbe(writer));
        DEPTH.register(recurse);
        DEPTH.register(filtered);
        try {
            DEPTH.fire().depth(0);
        } finally {
            DEPTH.unregister(recurse);
            DEPTH.unregister(filtered);
        }
        assertThat(DEPTH.firingsTooDeep()).isEqualTo(1);
        assertThat(tooDeep[0]).isEqualTo(1);
        assertThat(writer.calls)
                .as("every firing within the depth was filtered out")
                .isEmpty();
    }

    @Test
    void nullsAndProbesOfAnotherPrototypeAreRefused() {
        Tracepoint<Pair> tp = Tracepoint.define(unique("filter", "null"), Pair.class, "a", "b");
        Pair probe = (a, b) -> {};
        assertThatThrownBy(() -> tp.filteredProbe(null, probe))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("filter is null");
        assertThatThrownBy(() -> tp.filteredProbe(new RecordingFilter(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a");
        @SuppressWarnings({"unchecked", "rawtypes"})
        Tracepoint<Object> raw = (Tracepoint) tp;
        assertThatThrownBy(() -> raw.filteredProbe(new RecordingFilter(), "not a probe"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prototype of tracepoint " + tp.name());
    }

    static final Tracepoint<Pair> ALLOCATION = Tracepoint.define(unique("filter", "allocation"), Pair.class, "a", "b");

    @Test
    void aFilteredProbeAllocatesNothingPerFiring() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        threads.setThreadAllocatedMemoryEnabled(true);
        long[] sum = {0};
        Pair guarded = (a, b) -> sum[0] += a;
        ArgumentFilter oddA = new ArgumentFilter() {
            @Override
            public long begin() {
                return 0;
            }

            @Override
            public long testLong(long state, int argument, long value) {
                return value & 1;
            }

            @Override
            public boolean accept(long state) {
                return state == 1;
            }
        };
        Pair probe = ALLOCATION.filteredProbe(oddA, guarded);
        ALLOCATION.register(probe);
        try {
            long best = Long.MAX_VALUE;
            for (int round = 0; round < 25; round++) { // the first rounds warm up; the minimum counts
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 10_000; i++) {
                    ALLOCATION.fire().pair(i, "GET");
                }
                best = Math.min(best, threads.getCurrentThreadAllocatedBytes() - before);
            }
            assertThat(best).as("bytes allocated by 10,000 firings").isLessThan(1024);
            assertThat(sum[0]).isPositive();
        } finally {
            ALLOCATION.unregister(probe);
        }
    }
}
