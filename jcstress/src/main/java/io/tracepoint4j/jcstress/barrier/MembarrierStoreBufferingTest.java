package io.tracepoint4j.jcstress.barrier;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.tracepoint4j.jcstress.Handles;
import io.tracepoint4j.rcu.LibraryBarrierPair;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The claim the read side rests on: the library's own barrier pair, the reader's half after an
 * entry store and the grace period's half in an updater ({@link LibraryBarrierPair}, which calls the
 * very methods every domain runs), together forbid store buffering, exactly as two full fences would.
 *
 * <p>In {@code MEMBARRIER} mode the reader's half is no instruction at all: the order of the
 * reader's opaque store and load is kept by HotSpot (C2 does not move memory accesses across an
 * opaque access), and by the CPU only because {@code membarrier(2)} makes every CPU running a
 * thread of the process execute a full barrier somewhere in that thread's instruction stream, which
 * falls before the store, after the load or between them. That is JVM and kernel behaviour, not a Java
 * Memory Model guarantee, hence this test; {@link StoreBufferingControlTest} is the same litmus
 * without barriers and must show {@code (0, 0)} for a zero here to mean anything. Run the forked
 * VMs with {@code -Dtracepoint4j.rcu.fencedReadSide=true} to check the {@code FENCED} fallback the
 * same way.
 */
@JCStressTest
@Description("Store buffering with the library's asymmetric barrier pair (reader's and grace period's halves).")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "Both stores were visible to both loads.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The reader ran first.")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The updater ran first.")
@Outcome(
        id = "0, 0",
        expect = FORBIDDEN,
        desc =
                "Store buffering got through the library's barrier pair: the read side is broken; set -Dtracepoint4j.rcu.fencedReadSide=true on this JVM.")
@State
public class MembarrierStoreBufferingTest {

    static {
        // Chosen once per VM: print it so the report says which pair was tested.
        System.out.println("read-side barrier: " + LibraryBarrierPair.description());
    }

    int x;
    int y;

    @Actor
    public void reader(II_Result r) {
        X.setOpaque(this, 1);
        LibraryBarrierPair.readerBarrier();
        r.r1 = (int) Y.getOpaque(this);
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
