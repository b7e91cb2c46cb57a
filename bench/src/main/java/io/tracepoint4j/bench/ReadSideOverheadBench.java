package io.tracepoint4j.bench;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.ReadSideBarrier;
import io.tracepoint4j.rcu.Srcu;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Question: what does a reader pay to enter a read-side critical section, read the protected value
 * and leave, compared with a plain volatile read of the same value, and how does that cost scale
 * from one to two reader threads?
 *
 * <p>Each operation is one whole read: enter, load the published reference (volatile, i.e. an
 * acquire load, as an RCU reader would) and the value behind it, exit. The {@code flavor} parameter
 * chooses how the read is protected:
 *
 * <ul>
 *   <li>{@code volatile}: no protection at all, the <b>baseline</b> every other row is compared with;
 *   <li>{@code rcu}: {@link ClassicRcu#readLock()} / {@link ClassicRcu#readUnlock()};
 *   <li>{@code rcuScoped}: {@link ClassicRcu#read()} in try-with-resources;
 *   <li>{@code srcu}: {@link Srcu#readLock()} / {@link Srcu#readUnlock(int)};
 *   <li>{@code srcuScoped}: {@link Srcu#read()} in try-with-resources;
 *   <li>{@code rwlock}: the read lock of a {@link ReentrantReadWriteLock};
 *   <li>{@code stamped}: {@link StampedLock#tryOptimisticRead()} then {@link StampedLock#validate};
 *   <li>{@code synchronized}: one shared monitor.
 * </ul>
 *
 * <p>No updater runs: this is the read side alone, uncontended by writers (grace periods are the
 * question of {@link GracePeriodLatencyBench}). The methods differ only in threads and read-side
 * barrier: {@code threads1}/{@code threads2} run one/two reader threads on the same domain and value
 * with the barrier chosen at start-up ({@link ReadSideBarrier#MEMBARRIER} where Linux offers it; the
 * forked JVM prints which on a {@code # read-side barrier:} line); {@code fencedThreads1}/{@code
 * fencedThreads2} force {@link ReadSideBarrier#FENCED} with {@code
 * -Dtracepoint4j.rcu.fencedReadSide=true}, the portable fallback.
 *
 * <p>How to read it: average time per operation per thread, in ns. Compare each flavor with {@code
 * volatile} of the same method (same JVM flags, same thread count): the difference is the price of
 * the read side. From one to two threads, throughput scales by {@code 2 * t(threads1) /
 * t(threads2)}; 2.0 is perfect, a shared lock word or monitor shows up as much less. {@code
 * bench/report} prints both. Do not run it with {@code -f 0}: each flavor needs its own JVM so the
 * call to the flavor stays monomorphic (see {@link Reader}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = ReadSideOverheadBench.FORKS,
        jvmArgsAppend = {Jvm.NATIVE_ACCESS, Jvm.QUIET_UNSAFE})
@State(Scope.Benchmark)
public class ReadSideOverheadBench {

    static final int FORKS = 2;

    /** How the read is protected; {@code volatile} is the baseline. */
    @Param({"volatile", "rcu", "rcuScoped", "srcu", "srcuScoped", "rwlock", "stamped", "synchronized"})
    public String flavor;

    private Reader reader;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        Jvm.printReadSideBarrier();
        if (params.getBenchmark().contains(".fenced") && ReadSideBarrier.current() != ReadSideBarrier.FENCED) {
            throw new IllegalStateException(
                    "the fenced methods need -D" + ReadSideBarrier.FORCE_FENCED_PROPERTY + "=true in the fork");
        }
        Published published = new Published(new Payload(42));
        reader = Reader.create(flavor, published);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        reader.close();
    }

    /** One reader thread. */
    @Benchmark
    @Threads(1)
    public long threads1() {
        return reader.read();
    }

    /** Two reader threads on the same domain, lock and value. */
    @Benchmark
    @Threads(2)
    public long threads2() {
        return reader.read();
    }

    /** One reader thread, fenced read side forced. */
    @Benchmark
    @Threads(1)
    @Fork(
            value = FORKS,
            jvmArgsAppend = {Jvm.NATIVE_ACCESS, Jvm.QUIET_UNSAFE, Jvm.FORCE_FENCED})
    public long fencedThreads1() {
        return reader.read();
    }

    /** Two reader threads, fenced read side forced. */
    @Benchmark
    @Threads(2)
    @Fork(
            value = FORKS,
            jvmArgsAppend = {Jvm.NATIVE_ACCESS, Jvm.QUIET_UNSAFE, Jvm.FORCE_FENCED})
    public long fencedThreads2() {
        return reader.read();
    }
}
