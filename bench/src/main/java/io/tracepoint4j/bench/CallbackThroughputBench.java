package io.tracepoint4j.bench;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.Srcu;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Question: how many callbacks per microsecond can a thread queue with {@link
 * RcuDomain#call(Runnable)}, work included, compared with handing the same {@link Runnable} to a
 * single-thread executor; and how many grace periods does a batch of 1,000,000 calls cost?
 *
 * <p>{@code flavor}: {@code executor} (the <b>baseline</b>: {@code execute()} on a one-thread
 * {@link ThreadPoolExecutor}, deferral with no grace period), {@code srcu} ({@link Srcu}) or {@code
 * rcu} ({@link ClassicRcu}). The callback only counts that it ran.
 *
 * <ul>
 *   <li>{@code call}: throughput of {@code call()} in ops/us. Each iteration ends with {@link
 *       RcuDomain#barrier()} (a tear-down, outside the timed part) so no iteration leaves work to the
 *       next. A producer faster than its callbacks builds a backlog during the iteration; its
 *       allocation and GC cost is part of the score, as it would be in an application.
 *   <li>{@code millionCalls}: one shot of 1,000,000 calls and the {@code barrier()} that waits for all
 *       of them, in ms: the end-to-end cost, callbacks run. Its secondary result {@code gracePeriods}
 *       is the number of grace periods the domain completed during the batch ({@link
 *       RcuDomain#completedGracePeriods()} after minus before): batching works when it is small.
 * </ul>
 *
 * <p>How to read it: compare each flavor with {@code executor} of the same method. A ratio near 1 in
 * {@code call} means queueing a callback costs no more than handing work to a thread; {@code
 * millionCalls} also shows what the grace periods add. The benchmark fails if a batch's callbacks did
 * not all run by the barrier.
 */
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {Jvm.NATIVE_ACCESS, Jvm.QUIET_UNSAFE})
@Threads(1)
@State(Scope.Benchmark)
public class CallbackThroughputBench {

    /** Calls per {@link #millionCalls} batch. */
    static final int BATCH = 1_000_000;

    /** Where callbacks go; {@code executor} is the baseline. */
    @Param({"executor", "srcu", "rcu"})
    public String flavor;

    private Deferrer deferrer;
    private final RunCounter counter = new RunCounter();
    private final Runnable callback = counter::increment;

    @Setup(Level.Trial)
    public void setUp() {
        Jvm.printReadSideBarrier();
        deferrer = switch (flavor) {
            case "executor" -> new ExecutorDeferrer();
            case "srcu" -> new DomainDeferrer(Srcu.create("bench-callback-srcu"));
            case "rcu" -> new DomainDeferrer(ClassicRcu.create("bench-callback-rcu"));
            default -> throw new IllegalArgumentException("unknown flavor " + flavor);
        };
    }

    /** Waits for every callback of the iteration, so none runs in the next one. */
    @TearDown(Level.Iteration)
    public void drain() {
        deferrer.barrier();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        deferrer.close();
        System.out.println("# callbacks run: " + counter.runs());
    }

    /** Queues one callback. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void call() {
        deferrer.call(callback);
    }

    /** Queues {@value #BATCH} callbacks and waits until all have run. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public void millionCalls(GracePeriods gracePeriods) {
        long runsBefore = counter.runs(); // exact: the previous barrier returned after those runs
        long completedBefore = deferrer.completedGracePeriods();
        for (int i = 0; i < BATCH; i++) {
            deferrer.call(callback);
        }
        deferrer.barrier();
        gracePeriods.gracePeriods += deferrer.completedGracePeriods() - completedBefore;
        long ran = counter.runs() - runsBefore;
        if (ran < BATCH) { // more only when other benchmark threads (-t) queue too
            throw new IllegalStateException("barrier() returned after " + ran + " of " + BATCH + " callbacks had run");
        }
    }

    /** The secondary result of {@link #millionCalls}: grace periods completed during the batch. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class GracePeriods {
        /** Grace periods this thread's batch saw complete in the current iteration. */
        public long gracePeriods;

        @Setup(Level.Iteration)
        public void reset() {
            gracePeriods = 0;
        }
    }

    /** Queues callbacks, waits for them, counts grace periods; one subclass loaded per fork. */
    private abstract static class Deferrer {
        abstract void call(Runnable callback);

        abstract void barrier();

        abstract long completedGracePeriods();

        abstract void close();
    }

    private static final class DomainDeferrer extends Deferrer {
        private final RcuDomain domain;

        DomainDeferrer(RcuDomain domain) {
            this.domain = domain;
        }

        @Override
        void call(Runnable callback) {
            domain.call(callback);
        }

        @Override
        void barrier() {
            domain.barrier();
        }

        @Override
        long completedGracePeriods() {
            return domain.completedGracePeriods();
        }

        @Override
        void close() {
            domain.close();
        }
    }

    private static final class ExecutorDeferrer extends Deferrer {
        private final ExecutorService executor = new ThreadPoolExecutor(
                1,
                1,
                0,
                TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(),
                Thread.ofPlatform().name("bench-executor").daemon().factory());

        @Override
        void call(Runnable callback) {
            executor.execute(callback);
        }

        @Override
        void barrier() {
            try {
                executor.submit(() -> {}).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for the executor", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        long completedGracePeriods() {
            return 0;
        }

        @Override
        void close() {
            executor.shutdown();
            try {
                if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("executor did not terminate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted closing the executor", e);
            }
        }
    }
}
