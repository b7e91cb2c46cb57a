package io.tracepoint4j.bench;

import io.tracepoint4j.ctf.EventEncoder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: what does a String argument cost a recorded event, by length: measuring it ({@link
 * EventEncoder#stringSize(String, long)}, before the reservation) and writing it ({@link
 * EventEncoder#putString}), against storing a {@code long} in its place?
 *
 * <p>Each op writes at the next 64-byte step of a 64 KiB segment that stays in cache, so the
 * stores cost what the encoding costs, not what the memory does (a session's buffer costs that
 * either way). {@code value}: ASCII strings of 1, 7 (RecordEventBench's {@code "/orders"}), 8, 24
 * and 45 characters, and "/bestä" (6 characters, 7 bytes: the general UTF-8 path).
 *
 * <p>How to read it: ns per op; {@code longStore} is the floor of any field (the segment's checks
 * and the op's bookkeeping), so a string's own cost is its row minus that one.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = Jvm.NATIVE_ACCESS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class StringEncodingBench {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final long SEGMENT_BYTES = 64 * 1024;
    /** Room given to each string: more than any value needs, so none is truncated. */
    private static final long ROOM = 4096;

    @Param({
        "x",
        "/orders",
        "/orders/",
        "/api/v1/customers/orders",
        "/api/v1/customers/orders/2026/12/06/items",
        "/bestä"
    })
    String value;

    private MemorySegment segment;
    private long next;

    @Setup
    public void setUp() {
        segment = Arena.ofAuto().allocate(SEGMENT_BYTES + ROOM, Long.BYTES);
    }

    /** The next place to write: 64-byte steps through the segment. */
    private long place() {
        long at = next;
        next = (at + 64) & (SEGMENT_BYTES - 1);
        return at;
    }

    @Benchmark
    public long longStore() {
        long at = place();
        segment.set(LONG, at, 0x0073_7265_6472_6f2fL);
        return at + Long.BYTES;
    }

    @Benchmark
    public long size() {
        return EventEncoder.stringSize(value, ROOM);
    }

    @Benchmark
    public long put() {
        long at = place();
        return EventEncoder.putString(segment, at, at + ROOM, value);
    }
}
