package io.tracepoint4j.rcu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link CallbackQueue} (docs/STYLE.md rule 11): any number of threads enqueue, one
 * consumer takes everything at once, the domain's close() seals and unseals it (one at a time, under
 * its lock), and every history must match a sequential FIFO queue that refuses while sealed. The
 * specification is {@link Fifo}, not the queue itself, so a {@code takeAll()} that returned the
 * callbacks newest first would fail even in a one-thread history.
 *
 * <p>Model checking explores thread switches at every shared access of the queue (the CAS loop of
 * {@code enqueue}, the swap of {@code takeAll}); the stress run executes the same operations on
 * real threads. {@code takeAll} is in the non-parallel group {@code consumer}: the domain calls it
 * from its single callback task only.
 */
@Param(name = "id", gen = IntGen.class, conf = "1:9")
public class CallbackQueueLincheckTest {

    private final CallbackQueue queue = new CallbackQueue();

    /** Lincheck creates one instance per scenario. */
    public CallbackQueueLincheckTest() {}

    @Operation
    public boolean enqueue(@Param(name = "id") int id) {
        return queue.enqueue(new Tagged(id));
    }

    @Operation(nonParallelGroup = "consumer")
    public List<Integer> takeAll() {
        List<Integer> ids = new ArrayList<>();
        for (CallbackQueue.Node node = queue.takeAll(); node != null; node = node.next) {
            ids.add(((Tagged) node.callback).id);
        }
        return ids;
    }

    @Operation
    public boolean isEmpty() {
        return queue.isEmpty();
    }

    @Operation(nonParallelGroup = "sealer")
    public boolean seal() {
        return queue.seal();
    }

    @Operation(nonParallelGroup = "sealer")
    public void unseal() {
        queue.unseal();
    }

    @Operation
    public boolean isSealed() {
        return queue.isSealed();
    }

    @Test
    void modelChecking() {
        new ModelCheckingOptions()
                .sequentialSpecification(Fifo.class)
                .threads(3)
                .actorsPerThread(3)
                .iterations(20)
                .invocationsPerIteration(1_000)
                .check(getClass());
    }

    @Test
    void stress() {
        new StressOptions()
                .sequentialSpecification(Fifo.class)
                .threads(2)
                .actorsPerThread(4)
                .iterations(10)
                .invocationsPerIteration(2_000)
                .check(getClass());
    }

    /** A callback that only carries the number it was enqueued with. */
    static final class Tagged implements Runnable {
        final int id;

        Tagged(int id) {
            this.id = id;
        }

        @Override
        public void run() {}
    }

    /** The sequential specification: a FIFO queue whose take returns everything, oldest first. */
    public static final class Fifo {
        private final ArrayDeque<Integer> ids = new ArrayDeque<>();

        public Fifo() {}

        private boolean sealed;

        public boolean enqueue(int id) {
            if (sealed) {
                return false;
            }
            ids.addLast(id);
            return true;
        }

        public List<Integer> takeAll() {
            List<Integer> taken = new ArrayList<>(ids);
            ids.clear();
            return taken;
        }

        public boolean isEmpty() {
            return ids.isEmpty();
        }

        public boolean seal() {
            if (sealed || !ids.isEmpty()) {
                return false;
            }
            sealed = true;
            return true;
        }

        public void unseal() {
            sealed = false;
        }

        public boolean isSealed() {
            return sealed;
        }
    }
}
