package io.tracepoint4j.rcu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * White-box model check of an SRCU reader's section stack (two bits per section packed in a long,
 * deeper sections spilled to an array): random opens of both kinds, correct and wrong closes, and
 * slot flips, compared after every step with a plain model of what must be open in which slot.
 * A section popped with the wrong slot would make a grace period too short (its slot drains early)
 * or hang (the other never does); the per-slot lock and unlock counts show either at once.
 */
class SrcuSectionStackTest {

    @RegisterExtension
    final Domains domains = new Domains();

    private final SrcuFacade srcu = (SrcuFacade) domains.srcu("section-stack");
    /** The engine, for what only the gpLock holder does (flipSlot, currentSlot) and the reader. */
    private final SrcuEngine engine = srcu.engine();

    /** One open section in the model: how it was opened, its slot, its token if any. */
    private record Open(boolean scoped, int slot, int token, RcuDomain.ReadSection section) {}

    @Test
    void randomNestingAcrossTheSpillBoundaryKeepsEverySectionInItsSlot() {
        SplittableRandom random = new SplittableRandom(20261124);
        SrcuReader reader = engine.reader(srcu.readerCache());
        Deque<Open> model = new ArrayDeque<>();
        int deepest = 0;
        for (int step = 0; step < 200_000; step++) {
            int choice = random.nextInt(100);
            // Drift towards depths around the spill boundary (32) and well past it.
            boolean open = model.isEmpty() || (choice < 52 && model.size() < 150);
            if (choice >= 97 && !model.isEmpty()) {
                closeWithTheWrongKind(reader, model.peek(), model.size());
            } else if (choice >= 94) {
                engine.flipSlot(); // no grace period runs: the test stands in for the gpLock holder
            } else if (open) {
                int slot = engine.currentSlot();
                if (random.nextBoolean()) {
                    model.push(new Open(true, slot, 0, srcu.read()));
                } else {
                    model.push(new Open(false, slot, srcu.readLock(), null));
                }
            } else {
                Open innermost = model.pop();
                if (innermost.scoped()) {
                    innermost.section().close();
                } else {
                    srcu.readUnlock(innermost.token());
                }
            }
            deepest = Math.max(deepest, model.size());
            assertMatchesModel(reader, model, step);
        }
        assertThat(deepest).as("deepest nesting reached").isGreaterThan(64);
        while (!model.isEmpty()) {
            Open innermost = model.pop();
            if (innermost.scoped()) {
                innermost.section().close();
            } else {
                srcu.readUnlock(innermost.token());
            }
        }
        assertMatchesModel(reader, model, -1);
        srcu.synchronize(); // both slots drained: returns at once
    }

    /**
     * Ends the innermost section, at {@code level}, the wrong way: a scoped one with readUnlock(),
     * a readLock() one through the ReadSection object read() would have returned at that level.
     */
    private void closeWithTheWrongKind(SrcuReader reader, Open innermost, int level) {
        if (innermost.scoped()) {
            assertThatThrownBy(() -> srcu.readUnlock(innermost.token())).isInstanceOf(IllegalStateException.class);
        } else {
            assertThatThrownBy(reader.section(level)::close)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("readLock()");
        }
    }

    private static void assertMatchesModel(SrcuReader reader, Deque<Open> model, int step) {
        for (int slot = 0; slot < 2; slot++) {
            int expected = 0;
            for (Open open : model) {
                if (open.slot() == slot) {
                    expected++;
                }
            }
            assertThat(reader.sectionsIn(slot))
                    .as("step %d: sections recorded in slot %d", step, slot)
                    .isEqualTo(expected);
            assertThat(reader.locksAcquire(slot) - reader.unlocksAcquire(slot))
                    .as("step %d: locks minus unlocks counted in slot %d", step, slot)
                    .isEqualTo(expected);
        }
        assertThat(reader.depth).as("step %d: depth", step).isEqualTo(model.size());
    }
}
