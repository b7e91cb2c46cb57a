package io.tracepoint4j.jcstress.barrier;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

import io.tracepoint4j.jcstress.Handles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The control for {@link MembarrierStoreBufferingTest}: the same opaque accesses with no barrier at
 * all. Store buffering is allowed here by the Java Memory Model and by x86-TSO (each store waits in
 * its CPU's store buffer while the following load runs), so {@code (0, 0)} must show up in a run
 * long enough to mean something. Its count is the evidence that the harness can see the reordering
 * the barrier pair forbids: a zero here would make a zero in the barrier test worthless.
 *
 * <p>jcstress itself cannot fail a test for an outcome that did not show up, so {@code (0, 0)} is
 * only <em>interesting</em> here and the test passes with a count of zero; {@code ./tp jcstress}
 * checks the count instead (it fails a run whose control saw no {@code (0, 0)}; see
 * jcstress/README.md). A quick run is a smoke test; the long run in the README is the evidence.
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "Both stores were visible to both loads.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The reader ran first.")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The updater ran first.")
@Outcome(
        id = "0, 0",
        expect = ACCEPTABLE_INTERESTING,
        desc = "Store buffering: each load passed the other thread's store. Expected without barriers;"
                + " ./tp jcstress fails the run if this count is 0.")
@State
public class StoreBufferingControlTest {

    int x;
    int y;

    @Actor
    public void reader(II_Result r) {
        X.setOpaque(this, 1);
        r.r1 = (int) Y.getOpaque(this);
    }

    @Actor
    public void updater(II_Result r) {
        Y.setOpaque(this, 1);
        r.r2 = (int) X.getOpaque(this);
    }

    private static final VarHandle X;
    private static final VarHandle Y;

    static {
        X = Handles.intField(MethodHandles.lookup(), "x");
        Y = Handles.intField(MethodHandles.lookup(), "y");
    }
}
