package io.tracepoint4j.jcstress.barrier;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

import io.tracepoint4j.jcstress.Handles;
import io.tracepoint4j.rcu.LibraryBarrierPair;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The second control for {@link MembarrierStoreBufferingTest}: what that test would see if the JIT
 * moved the reader's load above its store, the reordering that {@code MEMBARRIER} mode trusts
 * HotSpot not to make. The updater is unchanged, the grace period's barrier and all, so the timing is the
 * real one: {@code membarrier(2)} costs microseconds, far longer than a store waits in a store
 * buffer, and this test measures whether the litmus can still see a reordered reader at that pace.
 * Its {@code (0, 0)} count is the detection power behind a zero in the membarrier test; a membarrier
 * cannot help here, since the reader's load runs before its store in program order.
 *
 * <p>The count is small (about one in a million samples on 2 cores), so a quick run often sees none
 * and proves nothing; {@code (0, 0)} is only <em>interesting</em>, and jcstress passes the test
 * either way. {@code ./tp jcstress} fails a run in a mode other than quick or sanity whose count is
 * zero (jcstress/README.md, "Long run").
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "Both stores were visible to both loads.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The reader ran first.")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The updater ran first.")
@Outcome(
        id = "0, 0",
        expect = ACCEPTABLE_INTERESTING,
        desc = "The reordered reader was caught: the litmus detects a load moved above the store.")
@State
public class ReorderedReaderControlTest {

    int x;
    int y;

    @Actor
    public void reader(II_Result r) {
        r.r1 = (int) Y.getOpaque(this); // the load, moved above the store on purpose
        LibraryBarrierPair.readerBarrier();
        X.setOpaque(this, 1);
    }

    @Actor
    public void updater(II_Result r) {
        Y.setOpaque(this, 1);
        LibraryBarrierPair.updaterBarrier();
        r.r2 = (int) X.getOpaque(this);
    }

    private static final VarHandle X;
    private static final VarHandle Y;

    static {
        X = Handles.intField(MethodHandles.lookup(), "x");
        Y = Handles.intField(MethodHandles.lookup(), "y");
    }
}
