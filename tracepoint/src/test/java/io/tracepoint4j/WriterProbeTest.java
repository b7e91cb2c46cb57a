package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * {@link Tracepoint#writerProbe(ArgumentWriter)}: a consumer that knows no prototype receives every
 * argument, typed and in order, with the size of its String and byte[] arguments first and its own
 * cursor threaded through the writes, from a probe it registers like any other, without allocating.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class WriterProbeTest {

    /** Every argument type a prototype may have. */
    public interface Everything {
        void everything(
                boolean z,
                byte b,
                short s,
                char c,
                int i,
                long j,
                float f,
                double d,
                String text,
                byte[] bytes,
                Color e);
    }

    /** An enum argument. */
    public enum Color {
        RED,
        GREEN
    }

    /** A second prototype, for the generic attach through the registry. */
    public interface Pair {
        void pair(long a, String b);
    }

    private static final String[] EVERYTHING = {"z", "b", "s", "c", "i", "j", "f", "d", "text", "bytes", "e"};

    /**
     * Records every call, as text, to check types, values and order; its handle is 1000 and each
     * write advances the cursor by one, so end() shows the cursor was threaded through every write.
     */
    static class RecordingWriter implements ArgumentWriter {
        static final long HANDLE = 1000;
        final List<String> calls = new ArrayList<>();
        boolean accept = true;

        private long record(long cursor, String call) {
            calls.add(call + " @" + (cursor - HANDLE));
            return cursor + 1;
        }

        @Override
        public int sizeOfString(String value) {
            return value == null ? 0 : value.length();
        }

        @Override
        public int sizeOfBytes(byte[] value) {
            return value == null ? 0 : value.length;
        }

        @Override
        public long begin(int variableSize) {
            calls.add("begin " + variableSize);
            return accept ? HANDLE : -1;
        }

        @Override
        public long writeBoolean(long cursor, boolean value) {
            return record(cursor, "boolean " + value);
        }

        @Override
        public long writeByte(long cursor, byte value) {
            return record(cursor, "byte " + value);
        }

        @Override
        public long writeShort(long cursor, short value) {
            return record(cursor, "short " + value);
        }

        @Override
        public long writeChar(long cursor, char value) {
            return record(cursor, "char " + value);
        }

        @Override
        public long writeInt(long cursor, int value) {
            return record(cursor, "int " + value);
        }

        @Override
        public long writeLong(long cursor, long value) {
            return record(cursor, "long " + value);
        }

        @Override
        public long writeFloat(long cursor, float value) {
            return record(cursor, "float " + value);
        }

        @Override
        public long writeDouble(long cursor, double value) {
            return record(cursor, "double " + value);
        }

        @Override
        public long writeString(long cursor, String value) {
            return record(cursor, "String " + value);
        }

        @Override
        public long writeBytes(long cursor, byte[] value) {
            return record(cursor, "bytes " + (value == null ? "null" : value.length));
        }

        @Override
        public long writeEnum(long cursor, Enum<?> value) {
            return record(cursor, "enum " + value);
        }

        @Override
        public void end(long handle, long cursor) {
            calls.add("end " + handle + " " + (cursor - HANDLE));
        }

        @Override
        public String toString() {
            return "RecordingWriter";
        }
    }

    /** The generic method a consumer writes to attach to a tracepoint of unknown prototype. */
    static <P> P attach(Tracepoint<P> tracepoint, ArgumentWriter writer) {
        P probe = tracepoint.writerProbe(writer);
        tracepoint.register(probe);
        return probe;
    }

    static <P> void detach(Tracepoint<P> tracepoint, Object probe) {
        tracepoint.unregister(tracepoint.prototype().cast(probe));
    }

    @Test
    void everyArgumentTypeReachesTheWriterTypedAndInOrder() {
        Tracepoint<Everything> tp = Tracepoint.define(unique("writer", "everything"), Everything.class, EVERYTHING);
        RecordingWriter writer = new RecordingWriter();
        Everything probe = tp.writerProbe(writer);
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
        tp.fire().everything(false, (byte) 0, (short) 0, '\0', 0, 0, 0, 0, null, null, null);
        tp.unregister(probe);
        assertThat(writer.calls)
                .containsExactly(
                        "begin 8", // the size pass: "héllo" (5) and 3 bytes
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
                        "end 1000 11",
                        "begin 0",
                        "boolean false @0",
                        "byte 0 @1",
                        "short 0 @2",
                        "char \0 @3",
                        "int 0 @4",
                        "long 0 @5",
                        "float 0.0 @6",
                        "double 0.0 @7",
                        "String null @8",
                        "bytes null @9",
                        "enum null @10",
                        "end 1000 11");
        assertThat(probe).hasToString("RecordingWriter");
    }

    @Test
    void beginReturningFalseSkipsTheFiring() {
        Tracepoint<Pair> tp = Tracepoint.define(unique("writer", "skip"), Pair.class, "a", "b");
        RecordingWriter writer = new RecordingWriter();
        writer.accept = false;
        Pair probe = attach(tp, writer);
        tp.fire().pair(1, "one");
        tp.unregister(probe);
        assertThat(writer.calls).containsExactly("begin 3");
    }

    @Test
    void aConsumerAttachesToTracepointsItFindsInTheRegistry() {
        String provider = unique("writerfind", "x").split(":")[0];
        Tracepoint<Pair> pair = Tracepoint.define(provider + ":pair", Pair.class, "a", "b");
        Tracepoint<Everything> everything = Tracepoint.define(provider + ":everything", Everything.class, EVERYTHING);
        List<RecordingWriter> writers = new ArrayList<>();
        List<Object> probes = new ArrayList<>();
        List<Tracepoint<?>> found = Tracepoints.find(provider + ":*");
        assertThat(found).hasSize(2);
        for (Tracepoint<?> tracepoint : found) {
            RecordingWriter writer = new RecordingWriter();
            writers.add(writer);
            probes.add(attach(tracepoint, writer));
        }
        pair.fire().pair(5, "five");
        everything.fire().everything(true, (byte) 1, (short) 2, 'c', 3, 4, 5f, 6, "s", new byte[0], Color.RED);
        for (int k = 0; k < found.size(); k++) {
            detach(found.get(k), probes.get(k));
        }
        List<String> all = new ArrayList<>();
        writers.forEach(w -> all.addAll(w.calls));
        assertThat(all).contains("long 5 @0", "String five @1", "enum RED @10", "bytes 0 @9");
        assertThat(pair.probeCount()).isZero();
        assertThat(everything.probeCount()).isZero();
    }

    @Test
    void aThrowingWriterIsAProbeFailureAndEndIsNotCalled() {
        Tracepoint<Pair> tp = Tracepoint.define(unique("writer", "throws"), Pair.class, "a", "b");
        RecordingWriter writer = new RecordingWriter() {
            @Override
            public long writeString(long cursor, String value) {
                throw new IllegalStateException("writer failed");
            }
        };
        Pair probe = attach(tp, writer);
        tp.fire().pair(1, "one");
        assertThat(tp.failures(probe)).isEqualTo(1);
        assertThat(writer.calls).containsExactly("begin 3", "long 1 @0");
        tp.unregister(probe);
        TestSupport.awaitFailureReports();
    }

    @Test
    void probesOfOnePrototypeShareOneClass() {
        Tracepoint<Pair> one = Tracepoint.define(unique("writer", "one"), Pair.class, "a", "b");
        Tracepoint<Pair> two = Tracepoint.define(unique("writer", "two"), Pair.class, "x", "y");
        assertThat(one.writerProbe(new RecordingWriter()).getClass())
                .isSameAs(two.writerProbe(new RecordingWriter()).getClass());
    }

    /** A writer that also logs begin(int, long): what a tracer does with an event time. */
    static class TimedWriter extends RecordingWriter {
        @Override
        public long begin(int variableSize, long eventEpochNanos) {
            calls.add("begin " + variableSize + " at " + eventEpochNanos);
            return accept ? HANDLE : -1;
        }
    }

    /** Two longs, either of which a tracepoint may declare its event time. */
    public interface Timed {
        void timed(long first, String text, long second);
    }

    @Test
    void anEventTimeArgumentReachesBeginAndIsWrittenInItsTurn() {
        Tracepoint<Timed> byFirst = Tracepoint.builder(unique("writer", "timedfirst"), Timed.class)
                .arguments("first", "text", "second")
                .eventTime("first")
                .define();
        Tracepoint<Timed> bySecond = Tracepoint.builder(unique("writer", "timedsecond"), Timed.class)
                .arguments("first", "text", "second")
                .eventTime("second")
                .define();
        Tracepoint<Timed> untimed = Tracepoint.define(unique("writer", "untimed"), Timed.class, "a", "b", "c");
        assertThat(byFirst.eventTime()).contains(new Tracepoint.Argument("first", long.class));
        assertThat(bySecond.eventTime()).contains(new Tracepoint.Argument("second", long.class));
        assertThat(untimed.eventTime()).isEmpty();

        TimedWriter first = new TimedWriter();
        TimedWriter second = new TimedWriter();
        TimedWriter none = new TimedWriter();
        Timed p1 = attach(byFirst, first);
        Timed p2 = attach(bySecond, second);
        Timed p3 = attach(untimed, none);
        byFirst.fire().timed(11, "ab", 22);
        bySecond.fire().timed(11, "ab", 22);
        untimed.fire().timed(11, "ab", 22);
        byFirst.unregister(p1);
        bySecond.unregister(p2);
        untimed.unregister(p3);

        // one class per event-time argument: the same prototype, three classes
        assertThat(p1.getClass()).isNotSameAs(p2.getClass()).isNotSameAs(p3.getClass());
        assertThat(p2.getClass()).isNotSameAs(p3.getClass());
        assertThat(first.calls)
                .containsExactly("begin 2 at 11", "long 11 @0", "String ab @1", "long 22 @2", "end 1000 3");
        assertThat(second.calls)
                .containsExactly("begin 2 at 22", "long 11 @0", "String ab @1", "long 22 @2", "end 1000 3");
        assertThat(none.calls).containsExactly("begin 2", "long 11 @0", "String ab @1", "long 22 @2", "end 1000 3");
    }

    @Test
    void aWriterThatKeepsNoTimeGetsBeginWithoutIt() {
        Tracepoint<Timed> tp = Tracepoint.builder(unique("writer", "timeddefault"), Timed.class)
                .arguments("first", "text", "second")
                .eventTime("second")
                .define();
        RecordingWriter writer = new RecordingWriter(); // does not override begin(int, long)
        Timed probe = attach(tp, writer);
        tp.fire().timed(1, null, 2);
        tp.unregister(probe);
        assertThat(writer.calls).containsExactly("begin 0", "long 1 @0", "String null @1", "long 2 @2", "end 1000 3");
    }

    @Test
    void anEventTimeMustBeALongArgumentOfTheTracepoint() {
        assertThatThrownBy(() -> Tracepoint.builder(unique("writer", "timedmissing"), Timed.class)
                        .arguments("first", "text", "second")
                        .eventTime("third")
                        .define())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no argument third to be its event time")
                .hasMessageContaining("long first, String text, long second");
        assertThatThrownBy(() -> Tracepoint.builder(unique("writer", "timedtext"), Timed.class)
                        .arguments("first", "text", "second")
                        .eventTime("text")
                        .define())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("argument String text, must be a long");
        assertThatThrownBy(() -> Tracepoint.builder(unique("writer", "timednull"), Timed.class)
                        .eventTime(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("event time is null");
    }

    @Test
    void aNameKeepsItsEventTime() {
        String name = unique("writer", "timedagain");
        Tracepoint<Timed> tp = Tracepoint.builder(name, Timed.class)
                .arguments("first", "text", "second")
                .eventTime("first")
                .define();
        assertThat(Tracepoint.builder(name, Timed.class)
                        .arguments("first", "text", "second")
                        .eventTime("first")
                        .define())
                .isSameAs(tp);
        assertThatThrownBy(() -> Tracepoint.define(name, Timed.class, "first", "text", "second"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("event time first")
                .hasMessageContaining("flavor and event time");
    }

    @Test
    void aNullWriterIsRefused() {
        Tracepoint<Pair> tp = Tracepoint.define(unique("writer", "null"), Pair.class, "a", "b");
        assertThatThrownBy(() -> tp.writerProbe(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("writer is null");
    }

    /** A writer probe of a plugin's prototype: its class is defined beside the plugin's tracepoint class. */
    @Test
    void aPluginsTracepointTakesAWriterProbe() throws Throwable {
        PluginLoader loader = PluginLoader.belowTracepoint4j("plugin-writer");
        Class<?> plugin = Class.forName(PluginLoader.PACKAGE + "Plugin", true, loader);
        Tracepoint<?> tracepoint = Tracepoints.find("plugin:ev").stream()
                .filter(t -> t.prototype().getClassLoader() == loader)
                .findFirst()
                .orElseThrow();
        RecordingWriter writer = new RecordingWriter();
        Object probe = attach(tracepoint, writer);
        assertThat(probe.getClass().getClassLoader()).isSameAs(loader);
        MethodHandle work =
                MethodHandles.publicLookup().findStatic(plugin, "work", MethodType.methodType(void.class, long.class));
        work.invokeExact(42L);
        detach(tracepoint, probe);
        assertThat(writer.calls).containsExactly("begin 0", "long 42 @0", "end 1000 1");
    }

    /** A writer that keeps primitives in fields: the firing, probe included, allocates nothing. */
    static final class SummingWriter implements ArgumentWriter {
        long sum;

        @Override
        public int sizeOfString(String value) {
            return value.length();
        }

        @Override
        public int sizeOfBytes(byte[] value) {
            return value.length;
        }

        @Override
        public long begin(int variableSize) {
            sum += variableSize;
            return 0;
        }

        @Override
        public long writeBoolean(long cursor, boolean value) {
            sum += value ? 1 : 0;
            return cursor + 1;
        }

        @Override
        public long writeByte(long cursor, byte value) {
            sum += value;
            return cursor + 1;
        }

        @Override
        public long writeShort(long cursor, short value) {
            sum += value;
            return cursor + 2;
        }

        @Override
        public long writeChar(long cursor, char value) {
            sum += value;
            return cursor + 2;
        }

        @Override
        public long writeInt(long cursor, int value) {
            sum += value;
            return cursor + 4;
        }

        @Override
        public long writeLong(long cursor, long value) {
            sum += value;
            return cursor + 8;
        }

        @Override
        public long writeFloat(long cursor, float value) {
            sum += (long) value;
            return cursor + 4;
        }

        @Override
        public long writeDouble(long cursor, double value) {
            sum += (long) value;
            return cursor + 8;
        }

        @Override
        public long writeString(long cursor, String value) {
            return cursor + value.length();
        }

        @Override
        public long writeBytes(long cursor, byte[] value) {
            return cursor + value.length;
        }

        @Override
        public long writeEnum(long cursor, Enum<?> value) {
            sum += value.ordinal();
            return cursor + 4;
        }

        @Override
        public void end(long handle, long cursor) {
            sum += cursor - handle;
        }
    }

    static final Tracepoint<Everything> ALLOCATION =
            Tracepoint.define(unique("writer", "allocation"), Everything.class, EVERYTHING);

    @Test
    void aWriterProbeAllocatesNothingPerFiring() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        threads.setThreadAllocatedMemoryEnabled(true);
        SummingWriter writer = new SummingWriter();
        Everything probe = attach(ALLOCATION, writer);
        byte[] bytes = new byte[3];
        try {
            long best = Long.MAX_VALUE;
            for (int round = 0; round < 25; round++) { // the first rounds warm up; the minimum counts
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 10_000; i++) {
                    ALLOCATION
                            .fire()
                            .everything(
                                    true,
                                    (byte) 1,
                                    (short) 1000,
                                    'c',
                                    1000 + i,
                                    1L << 40,
                                    2.5f,
                                    3.5,
                                    "GET",
                                    bytes,
                                    Color.GREEN);
                }
                best = Math.min(best, threads.getCurrentThreadAllocatedBytes() - before);
            }
            assertThat(best).as("bytes allocated by 10,000 firings").isLessThan(1024);
            assertThat(writer.sum).isPositive();
        } finally {
            ALLOCATION.unregister(probe);
        }
    }
}
