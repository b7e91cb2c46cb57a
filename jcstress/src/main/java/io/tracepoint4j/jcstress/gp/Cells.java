package io.tracepoint4j.jcstress.gp;

import io.tracepoint4j.jcstress.Handles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.State;

/**
 * The shared data of one grace-period litmus instance: two cells, {@code x} and {@code y}, both 0 at
 * the start, accessed only with opaque reads and writes (the kernel's {@code READ_ONCE}/{@code
 * WRITE_ONCE}). Opaque accesses keep the JIT from merging, hoisting or dropping them but order
 * nothing between different cells: every ordering a test observes comes from the domain's read side
 * and grace period, which is what the tests are about.
 */
@State
public class Cells {

    private int x;
    private int y;

    int xOpaque() {
        return (int) X.getOpaque(this);
    }

    void setXOpaque(int value) {
        X.setOpaque(this, value);
    }

    int yOpaque() {
        return (int) Y.getOpaque(this);
    }

    void setYOpaque(int value) {
        Y.setOpaque(this, value);
    }

    private static final VarHandle X;
    private static final VarHandle Y;

    static {
        X = Handles.intField(MethodHandles.lookup(), "x");
        Y = Handles.intField(MethodHandles.lookup(), "y");
    }
}
