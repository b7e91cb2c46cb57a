package io.tracepoint4j.tracer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which platform thread owns which of a session's single-producer buffers: the fast path of
 * recording, a buffer with no atomic instruction on its write path, for as many platform threads as
 * the session has such buffers. Other threads (virtual ones, and platform threads beyond that)
 * record into the shared buffers. And which thread owns which event-time buffer: the
 * single-producer buffers that hold the records of events reported late, at their own time.
 */
final class ThreadBuffers {
    /*
     * Design note.
     *
     * Overview: one Claim per single-producer buffer, made with the session. A platform thread's
     *   first firing takes a free claim (CAS of its owner from null to the thread) and publishes it
     *   in its slot of a direct-mapped table (CAS from null), found by the thread id's hash: later
     *   firings find it with one load and a compare of the owner. A thread that finds its slot
     *   taken, or no free claim, is remembered in `refused` (a direct-mapped cache of thread ids, as ThreadNames')
     *   so that it does not try again at every firing; it records into the shared buffers. The
     *   drain reclaims the claims of threads that ended (reclaimEnded): the thread's writes
     *   happen-before isAlive() reading false (JLS 17.4.4), so the drain may then switch and drain
     *   its buffer as its only user, then unpublishes the claim and frees it (owner null, release:
     *   the next owner's CAS reads it and sees the drain's work).
     *
     * Event-time buffers: more claims, for the firings of tracepoints that give their event's
     *   time (Tracepoint.Builder.eventTime): such a record goes into a single-producer buffer at
     *   that time (RingBuffer.reserveAt), raised to the buffer's last record's if earlier, so each
     *   reporting thread (JFR's stream thread) needs a buffer of its own, apart from the one its
     *   ordinary records go to, which are at now. There are few such threads: the claims are
     *   found by a scan of their owners (forEventTime), not through the table (slot -1), and any
     *   thread, virtual ones too, may take one; the drain reclaims them as the others, when their
     *   owner ended.
     *
     * Taking over: a session without a drain thread (OVERWRITE) reclaims nothing until it stops,
     *   so there a thread that finds no free claim takes over one whose owner ended: the CAS from
     *   the ended owner to itself, after isAlive() read false, which the ended thread's writes
     *   happen-before (JLS 17.4.4), so it goes on writing where that thread stopped (its records
     *   stay for a snapshot until overwritten). It unpublishes the claim from the ended owner's
     *   slot first, then publishes it in its own. So an ended thread keeps its buffer, and its
     *   Thread, only until another thread needs one, and JFR's stream thread, replaced when the
     *   jvm:* tracepoints lose their last probe and gain one again, finds its event-time buffer.
     *   The new owner then hands the buffer over (Recorder.handOver, once it read `stolen` false
     *   inside its section, which makes the buffer its alone as its own firings' are): it mends
     *   the record the ended owner may have left reserved and uncommitted (a firing an error cut
     *   short, AbandonedFirings; left, it would hold the ring and refuse every record once the
     *   writer came round to it), and keeps the ended owner's name for the thread names of a
     *   snapshot (ThreadNames.remember), whose records may outlive their name event. A thread
     *   refused a buffer while all were held by live threads stays refused there (no drain clears
     *   `refused`): it records into the shared buffers until the session stops.
     *
     * Stealing: the lifecycle side (a flush, a rotation, a snapshot, the stop) needs a buffer's
     *   writer out of the way to switch or cut it. It sets `stolen` on every claim (a flush: on
     *   the claims of the buffers it cuts, steal(int)), then waits for a grace period of the
     *   session's SRCU domain (a flush polls it: Recorder.finishSteal). A writer reads `stolen` inside its section,
     *   before it reserves: a section the grace period did not wait for began after the grace
     *   period started, so it sees `stolen` set (SRCU's guarantee) and writes into the shared
     *   buffers instead. After the grace period the owner's buffer is the lifecycle side's alone;
     *   giving it back is a release store of `stolen` = false, which the writer's acquire load
     *   pairs with, so the writer sees everything done to the buffer meanwhile.
     *
     * Memory ordering
     *   [TB] Claim.owner: CAS by the claiming thread; release store of null by the drain after it
     *        reclaimed the buffer (pairs with the next CAS, which reads it); acquire load by the
     *        writer's lookup and the drain's scan. A take-over's CAS from an ended owner needs no
     *        pairing: isAlive() reading false orders the ended thread's writes before it.
     *   [TS] slots: CAS by the claiming thread after its owner CAS (publishes the claim and its
     *        slot field), acquire load by the lookup; CAS back to null by the drain.
     *   [ST] Claim.stolen: volatile store true by the lifecycle side before the grace period,
     *        acquire load by the writer inside its section, release store false after.
     *   [TR] refused: opaque (thread ids, which start at 1: 0 is none); a stale read only makes a
     *        thread try to claim once more, or record into the shared buffers a while longer.
     */

    /** A single-producer buffer's ownership. */
    static final class Claim {
        /** The buffer's index among the session's buffers. */
        final int index;

        @SuppressWarnings("unused") // accessed through OWNER
        private Thread owner; // [TB]

        @SuppressWarnings("unused") // accessed through STOLEN
        private boolean stolen; // [ST]
        /**
         * Its slot in the table: written by the claiming thread before it publishes the claim
         * ([TS]); -1 for an event-time claim, which has none.
         */
        int slot = -1;
        /**
         * The name the owner last wrote into the buffer, null if none yet (Recorder.nameOwner):
         * the owner's own field.
         */
        String namedAs;
        /**
         * The ended owner this claim was taken over from, until the new owner hands it over
         * (Recorder.ownBuffer: "Taking over"); null otherwise. The owner's own field.
         */
        ThreadNames.Named takenFrom;

        Claim(int index) {
            this.index = index;
        }

        Thread ownerAcquire() {
            return (Thread) OWNER.getAcquire(this);
        }

        boolean stolenAcquire() {
            return (boolean) STOLEN.getAcquire(this);
        }
    }

    /** The claims of the platform threads' buffers. */
    private final Claim[] claims;
    /** The claims of the event-time buffers. */
    private final Claim[] eventTimeClaims;
    /** Whether a reporting thread may take over an event-time claim whose owner ended: no drain reclaims it. */
    private final boolean takeOverEnded;
    /** Both. */
    private final Claim[] all;
    /** The index of the buffer of all[0]. */
    private final int first;

    private final Claim[] slots;
    private final long[] refused;
    private final int mask;

    /**
     * {@code first}: the index of the first single-producer buffer; {@code count} of them for
     * platform threads, then {@code eventTimeCount} event-time buffers; the table has {@code
     * tableSize} slots (a power of two). {@code takeOverEnded}: no drain reclaims the claims of
     * threads that ended while the session runs (OVERWRITE).
     */
    ThreadBuffers(int first, int count, int eventTimeCount, int tableSize, boolean takeOverEnded) {
        this.takeOverEnded = takeOverEnded;
        this.first = first;
        this.all = new Claim[count + eventTimeCount];
        for (int i = 0; i < all.length; i++) {
            all[i] = new Claim(first + i);
        }
        this.claims = Arrays.copyOfRange(all, 0, count);
        this.eventTimeClaims = Arrays.copyOfRange(all, count, all.length);
        this.slots = new Claim[tableSize];
        this.refused = new long[tableSize];
        this.mask = tableSize - 1;
    }

    /**
     * The claim of {@code thread}, the current thread: its own, or one taken now; null if it records
     * into the shared buffers (a virtual thread, or none free). Lock-free; allocates nothing.
     */
    Claim of(Thread thread) {
        Claim held = held(thread);
        if (held != null) {
            return held;
        }
        int slot = slot(thread);
        Claim claim = (Claim) SLOTS.getAcquire(slots, slot); // [TS] its occupant, another thread's, if any
        if (claims.length == 0
                || thread.isVirtual()
                || (long) REFUSED.getOpaque(refused, slot) == thread.threadId()) { // [TR]
            return null;
        }
        return claim == null ? take(thread, slot) : refuse(thread, slot);
    }

    /** The claim {@code thread} holds, if any: as of(thread), without taking one. */
    Claim held(Thread thread) {
        Claim claim = (Claim) SLOTS.getAcquire(slots, slot(thread)); // [TS]
        return claim != null && claim.ownerAcquire() == thread ? claim : null; // [TB]
    }

    /**
     * The event-time buffer of {@code thread}, the current thread: its own, or one taken now; null
     * if none is free. Whether it is stolen now is the caller's to check. Lock-free; allocates
     * nothing.
     */
    Claim forEventTime(Thread thread) {
        Claim own = eventTimeClaimOf(thread);
        return own != null ? own : takeAmong(eventTimeClaims, thread);
    }

    /** The event-time buffer {@code thread} owns, or null. */
    Claim eventTimeClaimOf(Thread thread) {
        for (Claim claim : eventTimeClaims) {
            if (claim.ownerAcquire() == thread) { // [TB]
                return claim;
            }
        }
        return null;
    }

    private Claim take(Thread thread, int slot) {
        Claim claim = takeAmong(claims, thread);
        if (claim != null) {
            claim.slot = slot;
            if (SLOTS.compareAndSet(slots, slot, null, claim)) { // [TS] publishes it
                return claim;
            }
            OWNER.setRelease(claim, null); // [TB] another thread took the slot first
        }
        return refuse(thread, slot);
    }

    /**
     * A claim among {@code among} that {@code thread} now owns, not named yet: a free one, or,
     * where no drain reclaims (takeOverEnded), one whose owner ended, taken out of its slot (see
     * "Taking over" in the design note); null if none.
     */
    private Claim takeAmong(Claim[] among, Thread thread) {
        for (Claim claim : among) {
            if (OWNER.getAcquire(claim) == null && OWNER.compareAndSet(claim, null, thread)) { // [TB]
                claim.namedAs = null;
                return claim;
            }
        }
        if (takeOverEnded) {
            for (Claim claim : among) {
                Thread owner = claim.ownerAcquire(); // [TB]
                if (owner != null && !owner.isAlive() && OWNER.compareAndSet(claim, owner, thread)) { // [TB]
                    if (claim.slot >= 0) { // an event-time claim has none
                        SLOTS.compareAndSet(slots, claim.slot, claim, null); // [TS] the ended owner's
                    }
                    claim.namedAs = null;
                    claim.takenFrom = ThreadNames.Named.of(owner); // its id and name, not its Thread
                    return claim;
                }
            }
        }
        return null;
    }

    private Claim refuse(Thread thread, int slot) {
        REFUSED.setOpaque(refused, slot, thread.threadId()); // [TR]
        return null;
    }

    /** Sets every claim stolen: the caller then waits for a grace period (see the design note). */
    void stealAll() {
        for (Claim claim : all) {
            steal(claim);
        }
    }

    /** Gives every claim back to its owner. */
    void returnAll() {
        for (Claim claim : all) {
            giveBack(claim);
        }
    }

    /** Sets the claim of buffer {@code index} stolen, as stealAll() does every claim. */
    void steal(int index) {
        steal(all[index - first]);
    }

    /** Gives the claim of buffer {@code index} back to its owner. */
    void giveBack(int index) {
        giveBack(all[index - first]);
    }

    private static void steal(Claim claim) {
        STOLEN.setVolatile(claim, true); // [ST]
    }

    private static void giveBack(Claim claim) {
        STOLEN.setRelease(claim, false); // [ST] pairs with the writer's acquire
    }

    /** The indexes of the single-producer buffers, the event-time ones included. */
    int[] indexes() {
        int[] indexes = new int[all.length];
        for (int i = 0; i < all.length; i++) {
            indexes[i] = all[i].index;
        }
        return indexes;
    }

    /** The threads owning a buffer now, for a trace's thread names. */
    List<Thread> owners() {
        List<Thread> owners = new ArrayList<>();
        for (Claim claim : all) {
            Thread owner = claim.ownerAcquire(); // [TB]
            if (owner != null) {
                owners.add(owner);
            }
        }
        return owners;
    }

    /** What the drain does with the buffer of a thread that ended, before it is freed. */
    interface Reclaimer {
        void reclaim(int index) throws java.io.IOException;
    }

    /**
     * Reclaims the buffers of threads that ended: {@code reclaimer} empties each (its owner wrote
     * its last record before it ended), then the claim is unpublished and freed. For the drain.
     *
     * @return how many were freed
     */
    int reclaimEnded(Reclaimer reclaimer) throws java.io.IOException {
        int freed = 0;
        for (Claim claim : all) {
            Thread owner = claim.ownerAcquire(); // [TB]
            if (owner == null || owner.isAlive()) {
                continue; // isAlive() false: the owner's writes happen-before this (JLS 17.4.4)
            }
            reclaimer.reclaim(claim.index);
            if (claim.slot >= 0) { // an event-time claim has no slot
                SLOTS.compareAndSet(slots, claim.slot, claim, null); // [TS]
            }
            OWNER.setRelease(claim, null); // [TB] pairs with the next owner's CAS
            freed++;
        }
        if (freed > 0) {
            for (int i = 0; i < refused.length; i++) {
                REFUSED.setOpaque(refused, i, 0L); // [TR] refused threads may try again
            }
        }
        return freed;
    }

    private int slot(Thread thread) {
        long id = thread.threadId();
        return (int) (id ^ (id >>> 17)) & mask;
    }

    private static final VarHandle OWNER;
    private static final VarHandle STOLEN;
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Claim[].class);
    private static final VarHandle REFUSED = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            OWNER = lookup.findVarHandle(Claim.class, "owner", Thread.class);
            STOLEN = lookup.findVarHandle(Claim.class, "stolen", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
