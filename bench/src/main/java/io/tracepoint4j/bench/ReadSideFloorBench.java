package io.tracepoint4j.bench;

import java.util.concurrent.TimeUnit;
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
 * Where the time of a classic RCU read side goes, and the least any read side of its kind costs on
 * this JVM: models that each add one piece of what {@code ClassicRcu}'s readers do (see {@link
 * FloorReaders}), beside the real {@code rcu} and {@code rcuScoped} flavors and the {@code volatile}
 * baseline of {@link ReadSideOverheadBench}, in the same run.
 *
 * <ul>
 *   <li>{@code volatile}: the baseline, no section.
 *   <li>{@code wordStores}: the thread's reader word at hand; entry store of the phase, exit store.
 *       What every reader that announces itself in memory pays, at least.
 *   <li>{@code wordChecked}: plus the nesting check on entry and the checked decrement on exit
 *       (nesting, and a refused unbalanced unlock).
 *   <li>{@code wordCheckedFenceFlag}: plus the adaptive reader-fence flag, loaded after the entry
 *       store. Everything but finding the word.
 *   <li>{@code lookUpStores}: {@code wordStores} after finding the word as the library does (thread
 *       id, direct-mapped cache, owner id check). Minus {@code wordStores}: the price of needing no
 *       registration.
 *   <li>{@code rcuScoped}, {@code rcu}: the library ({@code read()} finds the word once and checks
 *       the owner on close; {@code readLock()}/{@code readUnlock()} find it twice).
 * </ul>
 *
 * <p>One thread only: the models' words are static finals, one per model, which is what lets a model
 * skip the lookup.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {Jvm.NATIVE_ACCESS, Jvm.QUIET_UNSAFE})
@State(Scope.Benchmark)
public class ReadSideFloorBench {

    /** The model or flavor; {@code volatile} is the baseline. */
    @Param({"volatile", "wordStores", "wordChecked", "wordCheckedFenceFlag", "lookUpStores", "rcuScoped", "rcu"})
    public String flavor;

    private Reader reader;

    @Setup(Level.Trial)
    public void setUp() {
        Jvm.printReadSideBarrier();
        reader = FloorReaders.create(flavor, new Published(new Payload(42)));
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
}
