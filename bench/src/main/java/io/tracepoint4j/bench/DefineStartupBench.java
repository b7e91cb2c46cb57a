package io.tracepoint4j.bench;

import io.tracepoint4j.Tracepoint;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Question: what does defining tracepoints add to an application's start-up, and how much metaspace
 * does each tracepoint take?
 *
 * <p>One op defines {@value #TRACEPOINTS} tracepoints over five prototypes (one to three arguments
 * of long, int, String and byte[]) in a fresh JVM: single-shot time, one op per fork and no warm-up
 * by default, so the first define of the JVM (the library's classes, the JDK's method-handle and
 * class-file machinery, the first class generated) is included, as an application meets it. The
 * tracepoint domains and the read side's set-up are not: they wait for the first registration. Names are new in every op, so with {@code -i
 * N} the later ops measure defining in a warm JVM.
 *
 * <p>Each fork also prints {@code # metaspace per tracepoint: N bytes}: the growth of the JVM's
 * Metaspace pool (class space included; the "used" figure Native Memory Tracking reports) over the
 * op, divided by {@value #TRACEPOINTS}. It includes the one-time classes of the first
 * define; the per-tracepoint cost in a warm JVM is the figure of a later op.
 *
 * <p>How to read it: ms per op, per fork; targets (issue 12): at most 100 ms (aim for 50) for the
 * first op, at most 2 KB of metaspace per tracepoint.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 5, jvmArgsAppend = Jvm.NATIVE_ACCESS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@State(Scope.Benchmark)
public class DefineStartupBench {
    static final int TRACEPOINTS = 100;

    /** Prototypes of the kinds libraries use. */
    public interface Request {
        void request(long nanos);
    }

    public interface Query {
        void query(int rows, String table);
    }

    public interface Message {
        void message(String text);
    }

    public interface Transfer {
        void transfer(long from, long to, int bytes);
    }

    public interface Packet {
        void packet(byte[] payload);
    }

    private static final Class<?>[] PROTOTYPES = {
        Request.class, Query.class, Message.class, Transfer.class, Packet.class
    };
    private static final String[][] ARGUMENTS = {
        {"nanos"}, {"rows", "table"}, {"text"}, {"from", "to", "bytes"}, {"payload"}
    };

    private int op;
    private long metaspaceBefore;

    @Setup(Level.Iteration)
    public void before() {
        metaspaceBefore = metaspaceUsed();
    }

    @Benchmark
    public void define100(Blackhole bh) {
        int n = op++;
        for (int i = 0; i < TRACEPOINTS; i++) {
            int p = i % PROTOTYPES.length;
            bh.consume(define("startup:op" + n + "_" + i, PROTOTYPES[p], ARGUMENTS[p]));
        }
    }

    @TearDown(Level.Iteration)
    public void after() {
        System.out.println("# metaspace per tracepoint: " + (metaspaceUsed() - metaspaceBefore) / TRACEPOINTS
                + " bytes (op " + (op - 1) + ")");
    }

    @SuppressWarnings({"unchecked", "rawtypes"}) // the prototypes vary; each define is checked at run time
    private static Tracepoint<?> define(String name, Class<?> prototype, String[] arguments) {
        return Tracepoint.define(name, (Class) prototype, arguments);
    }

    private static long metaspaceUsed() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getName().equals("Metaspace")) { // includes the class space: not added again
                used += pool.getUsage().getUsed();
            }
        }
        return used;
    }
}
