package io.tracepoint4j.torture;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One RCU-protected object of the torture pipeline: published as the current object at age 0, aged
 * to 1 when an updater replaces it, then one step per grace period, and freed (poisoned) at
 * {@link #FREED_AGE}. Readers record its age at the end of their read-side critical section.
 */
final class PipelineItem {
    /*
     * Design note.
     *
     * Overview: rcutorture's pipeline element. `age` counts what happened to the object since it
     * was replaced: 1 on replacement, +1 per grace period that began after the previous step. A
     * reader that picked the object up while it was current can hold it across at most the grace
     * period that follows the replacement, which cannot end before the reader's section does; so
     * at the end of a correct section the reader sees age 0 or 1, never 2 or more.
     *
     * Concurrency: exactly one thread at a time writes `age` and `poisoned`: the updater that
     * replaced the object (for synchronize, expedited and poll retirement, all steps), or the
     * updater for the 0 -> 1 step and then the domain's callback thread for every later step
     * (call() retirement). Consecutive writers are ordered by happens-before: program order, or
     * call() happens-before its callback (RcuDomain's contract), or a callback's call() of the
     * next step happens-before that step. So the writer may read `age` plainly (agePlain()).
     * Readers only read.
     *
     * Memory ordering:
     *   [A1] setAgeRelease (writer)  pairs with  [A2] ageAcquire (reader, end of section):
     *        message passing; makes a too-short grace period visible to the reader promptly and
     *        orders the age before the poison below.
     *   [P1] poisonRelease (writer, after [A1] of the last step)  pairs with  [P2] poisonedAcquire.
     *   The detector does NOT rely on these pairings to stay silent on a correct domain: there,
     *   the reader's load of `age` is inside the section, the section happens-before the grace
     *   period's end (synchronize() returning, or the callback running), and that happens-before
     *   the write of age 2; the JMM forbids a read from seeing a write that happens-after it. So
     *   any reader that sees age >= 2 proves the domain broke its happens-before contract.
     *
     * Invariants: 0 <= age <= FREED_AGE; poisoned implies age == FREED_AGE; ages only grow.
     */

    /** Age at which the object is freed and poisoned: rcutorture's pipeline length. */
    static final int FREED_AGE = 10;

    /** Published order number, for the diagnostics of a too-short grace period. */
    final long serial;

    private int age; // AGE, see the design note
    private boolean poisoned; // POISONED

    PipelineItem(long serial) {
        this.serial = serial;
    }

    /** The age, for a reader at the end of its section. */
    int ageAcquire() {
        return (int) AGE.getAcquire(this); // [A2] pairs with [A1] in setAgeRelease
    }

    /** Whether the object was freed, for a reader. */
    boolean poisonedAcquire() {
        return (boolean) POISONED.getAcquire(this); // [P2] pairs with [P1] in poisonRelease
    }

    /**
     * One step of the pipeline, by its single current writer: ages the object and returns the new
     * age. The caller frees it ({@link #poisonRelease()}) when that reaches {@link #FREED_AGE}.
     */
    int advanceAge() {
        int next = agePlain() + 1; // only the current writer stage calls this (design note)
        assert next <= FREED_AGE : "object " + serial + " aged past " + FREED_AGE;
        setAgeRelease(next); // [A1] pairs with [A2] in ageAcquire (message passing)
        return next;
    }

    /** Frees the object: from now on a reader holding it has outlived its grace period. */
    void poisonRelease() {
        assert agePlain() == FREED_AGE : "object " + serial + " poisoned at age " + agePlain();
        POISONED.setRelease(this, true); // [P1] pairs with [P2] in poisonedAcquire
    }

    private int agePlain() {
        return (int) AGE.get(this);
    }

    private void setAgeRelease(int value) {
        AGE.setRelease(this, value); // [A1] pairs with [A2] in ageAcquire (message passing)
    }

    @Override
    public String toString() {
        return "object #" + serial;
    }

    private static final VarHandle AGE;
    private static final VarHandle POISONED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            AGE = lookup.findVarHandle(PipelineItem.class, "age", int.class);
            POISONED = lookup.findVarHandle(PipelineItem.class, "poisoned", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
