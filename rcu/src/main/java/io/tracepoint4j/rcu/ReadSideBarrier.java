package io.tracepoint4j.rcu;

import java.lang.invoke.VarHandle;

/**
 * How readers of every flavor order their entry into a read-side critical section against grace
 * periods, chosen once at start-up and the same for the whole JVM.
 *
 * <p>Entering a section is a store (this thread is now reading) followed by loads of protected data:
 * the store-buffering pattern, which needs a full fence on both sides. The fence can be split
 * asymmetrically: readers pay only a light barrier and the rare grace period pays a heavy one
 * that forces a full fence on every running thread of the process.
 *
 * <ul>
 *   <li>{@link #MEMBARRIER}: Linux {@code membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)} through FFM;
 *       the light barrier is free (an opaque access that the JIT does not reorder).
 *   <li>{@link #FENCED}: the light barrier is a full fence; the portable fallback, used where
 *       membarrier is unavailable, native access is denied, or the system property
 *       {@code tracepoint4j.rcu.fencedReadSide=true} asks for it.
 * </ul>
 *
 * <p>Domains refine {@code MEMBARRIER} adaptively: where membarrier is slow in three grace periods
 * in a row, each within 50 ms of the last (it interrupts every CPU running the process; about 50 µs
 * on a VM whose other vCPUs are busy), the readers of a domain whose grace periods keep coming
 * fence their own entries for a while, and those grace periods use a plain fence instead. The
 * system property {@code tracepoint4j.rcu.readerFenceAfterMicros} (default 20; negative: never)
 * sets what counts as slow.
 *
 * <p>The choice is made on a background thread that the first domain starts (see ReadSideSetup):
 * {@link #current()} waits for it, a one-time wait of up to about 150 ms.
 *
 * <p>The light barrier of {@code MEMBARRIER} relies on HotSpot not moving memory accesses across an
 * opaque or release access (C2 brackets them with CPU-order barriers). That is JVM behaviour, not a
 * Java Memory Model guarantee; the jcstress litmus test {@code MembarrierStoreBufferingTest} checks
 * it on every CI run. Set {@value #FORCE_FENCED_PROPERTY} on a JVM where it fails.
 */
public enum ReadSideBarrier {
    /** Readers carry no fence; grace periods call {@code membarrier(2)}. */
    MEMBARRIER,
    /** Readers carry a full fence; grace periods need only their own fence. */
    FENCED;

    /*
     * Design note.
     *
     * Overview: CURRENT is a static final so that C2 folds the reader's check of it (in
     * AdaptiveReaderFences.readerBarrier()) to nothing or to one fence in every compiled reader; the
     * decision is made once, in class initialization, and never changes, because a reader compiled
     * for MEMBARRIER is wrong under a FENCED grace period. The reader's half of the pair, and when a
     * domain makes MEMBARRIER readers fence too, is AdaptiveReaderFences' business; this class
     * holds the choice and the heavy half.
     *
     * Memory ordering
     *   [HB] heavyBarrier(): membarrier (every running thread of the process executes a full fence)
     *        or, under FENCED, the caller's full fence. Pairs with the reader's half, [B] in
     *        AdaptiveReaderFences (store buffering): for a reader "store S; [B]; load L" and an
     *        updater "store U; heavyBarrier(); load V", either L sees U or V sees S.
     */

    /** The system property that forces {@link #FENCED}. */
    public static final String FORCE_FENCED_PROPERTY = "tracepoint4j.rcu.fencedReadSide";

    private static final ReadSideBarrier CURRENT;
    private static final String REASON;

    /** Unavailable only because the launcher denied native access: a set-up the user can fix. */
    private static final boolean FIXABLE;

    static {
        ReadSideSetup.initializationBegins(); // first: from here on, other threads wait for this initializer
        if (Boolean.getBoolean(FORCE_FENCED_PROPERTY)) { // before probing: membarrier is not even looked up
            CURRENT = FENCED;
            REASON = "forced by the system property " + FORCE_FENCED_PROPERTY + "=true (-D, or set by tp attaching to"
                    + " a JVM without native access, so that it prints nothing)";
            FIXABLE = false;
        } else {
            Membarrier.Availability availability = Membarrier.probe();
            CURRENT = availability.available() ? MEMBARRIER : FENCED;
            REASON = availability.available()
                    ? availability.description()
                    : "membarrier unavailable: " + availability.description();
            FIXABLE = CURRENT == FENCED && availability.nativeAccessDenied();
        }
        if (!ReadSideSetup.onSetUpThread()) { // the set-up thread logs after this initializer (see ReadSideSetup)
            logChoice();
        }
    }

    /**
     * Logs the choice once: denied native access is a set-up the user can fix, and costs every
     * reader a fence, so WARNING; elsewhere (not Linux, an old kernel) the fenced read side is
     * simply the one, so DEBUG.
     */
    static void logChoice() {
        GracePeriodEngine.log().log(
                FIXABLE ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
                "read-side barrier: {0} ({1}){2}",
                CURRENT,
                REASON,
                FIXABLE ? "; readers then pay a full fence per outermost section (a few ns)" : "");
    }

    /** The read-side barrier this JVM uses. */
    public static ReadSideBarrier current() {
        return CURRENT;
    }

    /** Why {@link #current()} was chosen, for logs and diagnostics. */
    public static String reason() {
        return REASON;
    }

    /**
     * The updater's half: when it returns, every thread of this process that was running executed a
     * full fence (MEMBARRIER), or the caller did (FENCED). Costs about a microsecond when the other
     * CPUs are idle, and from several to about 50 microseconds (on a VM) when it must interrupt busy
     * ones; blocks for that long.
     */
    static void heavyBarrier() {
        if (CURRENT == MEMBARRIER) {
            Membarrier.privateExpedited(); // [HB] pairs with readers' [B]: fences every running thread
        } else {
            VarHandle.fullFence(); // [HB] pairs with readers' [B], a full fence in every reader
        }
    }
}
