package io.tracepoint4j.bench;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.Srcu;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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

/**
 * Question: how long does an updater wait in {@link RcuDomain#synchronize()} and {@link
 * RcuDomain#synchronizeExpedited()}, on an idle domain and while a reader thread runs read-side
 * critical sections back to back, compared with taking the write lock of a {@link
 * ReentrantReadWriteLock} under the same reader?
 *
 * <p>Parameters: {@code flavor} is {@code rwlock} (the <b>baseline</b>: {@code writeLock().lock()}
 * then {@code unlock()}, which also waits for the readers inside; it has no expedited form, so both
 * methods do the same), {@code srcu} ({@link Srcu}) or {@code rcu} ({@link ClassicRcu}). {@code
 * readers} is the number of background reader threads, started in the trial set-up and stopped in
 * its tear-down, each running tiny sections (enter, read the published value, exit: the {@link
 * Reader} that {@link ReadSideOverheadBench} times) in a loop that never pauses. On this project's 2-core machines keep {@code readers} at most 1: one reader plus
 * the measuring thread fill both cores, and any more measures the scheduler. A domain that hands
 * grace periods to a thread of its own competes for those cores too; that is part of the answer.
 *
 * <p>How to read it: sampled time per call in microseconds, with percentiles (p50 is the typical
 * wait, p99 the tail). Compare each flavor with {@code rwlock} at the same {@code readers}, and
 * {@code readers=1} with {@code readers=0} of the same flavor: the difference is what a running
 * reader costs a grace period. The forked JVM prints each reader's section count at tear-down,
 * proof that the reader really ran during the measurement.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {Jvm.NATIVE_ACCESS, Jvm.QUIET_UNSAFE})
@Threads(1)
@State(Scope.Benchmark)
public class GracePeriodLatencyBench {

    /** What the updater waits on; {@code rwlock} is the baseline. */
    @Param({"rwlock", "srcu", "rcu"})
    public String flavor;

    /** Background reader threads running sections continuously during the measurement. */
    @Param({"0", "1"})
    public int readers;

    private Reader.Waitable target;
    private Thread[] readerThreads;
    private long[] sections;
    private long[] checksums;
    private volatile boolean running;
    private volatile Throwable readerFailure;

    @Setup(Level.Trial)
    public void setUp() {
        Jvm.printReadSideBarrier();
        Published published = new Published(new Payload(42));
        target = Reader.createWaitable(flavor, published);
        running = true;
        readerThreads = new Thread[readers];
        sections = new long[readers];
        checksums = new long[readers];
        for (int i = 0; i < readers; i++) {
            int index = i;
            readerThreads[i] =
                    Thread.ofPlatform().name("bench-reader-" + i).daemon().unstarted(() -> readContinuously(index));
            readerThreads[i].start();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        running = false;
        for (Thread reader : readerThreads) {
            reader.join();
        }
        for (int i = 0; i < readers; i++) {
            System.out.println("# reader " + i + ": " + sections[i] + " read-side critical sections");
        }
        Throwable failure = readerFailure;
        if (failure != null) {
            throw new IllegalStateException("a background reader failed", failure);
        }
        target.close();
    }

    /** Waits for a grace period (rwlock: takes and releases the write lock). */
    @Benchmark
    public void synchronize() {
        target.synchronize();
    }

    /** Waits for an expedited grace period (rwlock: the same as {@link #synchronize()}). */
    @Benchmark
    public void synchronizeExpedited() {
        target.synchronizeExpedited();
    }

    private void readContinuously(int index) {
        long count = 0;
        long sum = 0;
        try {
            while (running) {
                sum += target.read();
                count++;
            }
        } catch (Throwable t) {
            readerFailure = t;
        }
        sections[index] = count; // Thread.join in tearDown publishes both
        checksums[index] = sum; // keeps the JIT from dropping the read of the value
    }
}
