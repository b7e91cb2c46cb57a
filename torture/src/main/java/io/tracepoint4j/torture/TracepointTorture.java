package io.tracepoint4j.torture;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.Tracepoints;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Filter;
import java.util.logging.Logger;

/**
 * {@code ./tp torture --target tracepoints}: many threads (platform and virtual) fire regular and
 * faultable tracepoints while updaters register and unregister probes in storms, and every probe
 * checks the oracles of docs/design/tracepoints.md on itself. Public only so that its nested
 * prototypes are visible by name from tracepoint4j's class loader; run it through
 * {@link RcuTorture}.
 */
public final class TracepointTorture {
    /*
     * Overview
     *   Each run defines REGULAR + FAULTABLE tracepoints named "torture<run>:regular<i>" /
     *   "torture<run>:faultable<i>" with prototype Hit(tracepoint, thread, sequence). Each tracepoint
     *   has SLOTS slots; a slot holds the probe an updater currently has registered there (or null).
     *   Slot s of tracepoint t belongs to updater (t * SLOTS + s) % updaters, so slots need no CAS.
     *   Every registration uses a fresh Probe object, whose state only moves forward:
     *     NEW -> REGISTERED (set after register() returned) -> UNREGISTERING (set before
     *     unregister() is called) -> UNREGISTERED (after it returned) -> SYNCHRONIZED (set right
     *     after a synchronizeUnregister() that began after unregister() returned has returned).
     *   Updaters unregister one probe or several at once (both flavors), then synchronize at once,
     *   later, per tracepoint (tp.synchronizeUnregister(), flavor-wide) or for all tracepoints
     *   (Tracepoints.synchronizeUnregister()). Some faultable probes park briefly inside.
     *   Detach case (issue 10): every tracepoint has detachAfter(DETACH_FAILURES, DETACH_WINDOW),
     *   and one registration in FAILING_ONE_IN is of a failing probe, which always throws, so the
     *   library detaches it on its own thread. Instead of unregistering it, its updater spins
     *   until isRegistered() reads false (UNREGISTERING -> UNREGISTERED), fires the probe's
     *   tracepoint once itself (oracle 8), then synchronizes at once (either way above) and marks
     *   it SYNCHRONIZED: the only way a user can learn that a detach is over, and the moment when
     *   a late retarget would still reach the probe.
     *
     * Oracles checked (numbered as in docs/design/tracepoints.md)
     *   1. A probe reads its own state at entry and at exit of every call; SYNCHRONIZED there is a
     *      call after synchronizeUnregister (the number on the last line).
     *   2. A firer reads slot and state before firing (probe p, REGISTERED) and p's state again
     *      after fire() returned; still REGISTERED means unregister(p) had not begun, so p was
     *      published (register() had returned) during the whole firing and must have seen it:
     *      p.lastSeen[thread] == sequence, else a missed firing. A second call with the same
     *      sequence is a duplicate (the oracle says "exactly once"). Failing probes are never
     *      checked here: the library may detach them during any firing.
     *   6. The firing passes its tracepoint's index; a probe called with another index than the one
     *      it was registered on is misrouted.
     *   8. A failing probe records which updater saw isRegistered() read false for it
     *      (seenGoneBy); a call of it on that thread afterwards comes from a firing that began
     *      after its removal was seen, which must not reach it, as after unregister() returned.
     *      This watches the update order of issue 10 directly (oracle 1 needs a grace period to
     *      end inside the race window to see it).
     *   After the run every probe is unregistered (or was detached) and synchronized, and every
     *   tracepoint is fired again: any probe call then is also counted by oracle 1.
     *   The library's warnings about failing probes (their first failure, their detach) are
     *   expected and dropped by a filter on the "io.tracepoint4j" java.util.logging logger during
     *   the run; every other record passes.
     *
     * Concurrency
     *   Firers never block outside probes; updaters block in synchronizeUnregister(). Virtual firers
     *   are chains of short-lived virtual threads (each fires a batch and ends; the next one starts
     *   after join()), so the library sees threads come and go. lastSeen[thread] is written only by
     *   the firing thread of that index (probes run on the firer), so it is single-writer; join()
     *   orders one virtual generation before the next.
     *
     * Memory ordering
     *   [S] Probe.state is volatile: the updater's store REGISTERED after register() returned is
     *       read by a firer before firing (message passing: register's release publication of the
     *       probe array happens-before the firer's acquire read of it inside fire()). The firer's
     *       re-read after fire() and the updater's store UNREGISTERING before unregister() are
     *       both volatile, so in the synchronization order the re-read seeing REGISTERED precedes
     *       the store, and the firing's probe-array read precedes unregister's publication.
     *       SYNCHRONIZED is stored after synchronizeUnregister() returned; a probe that reads it at
     *       entry or exit proves the grace period ended while it could still run.
     *   [G] Probe.seenGoneBy is volatile, but only its own writer's reads matter: the updater
     *       stores itself, then fires; a call of the probe on that thread reads it in program
     *       order. Calls on other threads never see their own thread there.
     *   [P] Slots are an AtomicReferenceArray: setRelease by the owning updater after state is
     *       REGISTERED, getAcquire by firers (message passing; the state read is volatile anyway).
     *   [T] `stop` is volatile: written once by the coordinator when the run's time is up, read by
     *       every worker loop. A stop request only; no data travels with it (the coordinator's
     *       join() orders what the workers did before it reads their results).
     *   [K] as FlavorTorture [K]: RUNS and Probe.calls are atomic counters (a unique run id; one blocking call in 16):
     *       only atomicity is relied on, no ordering.
     *
     * Failure modes
     *   A thread that throws, or a run that does not stop within the stall timeout, is a failure
     *   (exit 3); oracle violations exit 1.
     *   Breakage.SKIP_SYNCHRONIZE (mark SYNCHRONIZED without waiting) and SKIP_REGISTER (publish
     *   a probe as REGISTERED without registering it) are the broken variants the tests use to
     *   prove that oracles 1 and 2 fire; SKIP_DETACH_WAIT (mark a detached probe SYNCHRONIZED as
     *   soon as isRegistered() reads false) proves that oracle 1 watches the detach case, which is
     *   what the library did to users before issue 10 was fixed; FIRE_BEFORE_DETACH (record the
     *   probe as seen gone and fire before isRegistered() reads false) proves that oracle 8 fires.
     */

    /** The prototype of every torture tracepoint; public so tracepoint4j's class loader sees it. */
    public interface Hit {
        /** Fired with the tracepoint's index, the firing thread's index and its sequence number. */
        void hit(int tracepoint, int thread, long sequence);
    }

    private static final int REGULAR = 4;
    private static final int FAULTABLE = 4;
    private static final int SLOTS = 3;
    private static final int BATCH = 2_000;
    /** One registration in this many is of a failing probe, detached by the library. */
    private static final int FAILING_ONE_IN = 4;
    /** The detach policy of every torture tracepoint, {@code detachAfter(3, 30 s)} as in issue 10. */
    private static final int DETACH_FAILURES = 3;
    /** The window of the detach policy; only failing probes ever throw. */
    private static final Duration DETACH_WINDOW = Duration.ofSeconds(30);
    /** What a failing probe calls itself, so that the log filter knows the expected warnings. */
    private static final String FAILING_PROBE = "failing torture probe";

    private static final AtomicInteger RUNS = new AtomicInteger();

    static final int NEW = 0;
    static final int REGISTERED = 1;
    static final int UNREGISTERING = 2;
    static final int UNREGISTERED = 3;
    static final int SYNCHRONIZED = 4;

    /** Deliberately broken variants of the updaters, proving each detector fires. */
    enum Breakage {
        /** The real thing. */
        NONE,
        /** Marks probes SYNCHRONIZED without calling synchronizeUnregister(): oracle 1 must fire. */
        SKIP_SYNCHRONIZE,
        /** Publishes every other probe as REGISTERED without calling register(): oracle 2 must fire. */
        SKIP_REGISTER,
        /**
         * Marks a detached probe SYNCHRONIZED as soon as isRegistered() reads false, without
         * calling synchronizeUnregister() (what issue 10 did to users): oracle 1 must fire.
         */
        SKIP_DETACH_WAIT,
        /**
         * Records a failing probe as seen gone and fires its tracepoint before isRegistered() reads
         * false: oracle 8 must fire.
         */
        FIRE_BEFORE_DETACH
    }

    /** Run parameters; {@code breakage} selects a deliberately broken variant for tests. */
    record Settings(
            Duration duration,
            int platformFirers,
            int virtualFirers,
            int updaters,
            Duration blockTime,
            Duration stallTimeout,
            Breakage breakage) {

        static Settings defaults() {
            int cores = Runtime.getRuntime().availableProcessors();
            return new Settings(
                    Duration.ofSeconds(10),
                    2 * cores,
                    2 * cores,
                    2,
                    Duration.ofNanos(500_000),
                    Duration.ofSeconds(30),
                    Breakage.NONE);
        }

        Settings {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("the duration must be positive, was " + duration);
            }
            if (platformFirers < 0 || virtualFirers < 0 || platformFirers + virtualFirers == 0) {
                throw new IllegalArgumentException("at least one firing thread is needed");
            }
            if (updaters < 1) {
                throw new IllegalArgumentException("--updaters must be at least 1, was " + updaters);
            }
        }

        Settings broken(Breakage how) {
            return new Settings(duration, platformFirers, virtualFirers, updaters, blockTime, stallTimeout, how);
        }
    }

    /** What one run found. */
    record Report(
            long firings,
            long registrations,
            long unregistrations,
            long detaches,
            long synchronizeCalls,
            long probeCalls,
            long blockingCalls,
            long checkedFirings,
            long missed,
            long duplicates,
            long misrouted,
            long callsAfterSynchronize,
            long callsAfterSeenGone,
            List<String> failures) {

        boolean violated() {
            return callsAfterSynchronize > 0 || callsAfterSeenGone > 0 || missed > 0 || duplicates > 0 || misrouted > 0;
        }

        int exitCode() {
            return RcuTorture.exitCode(violated(), !failures.isEmpty());
        }

        String format() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(
                    Locale.ROOT,
                    "firings %d, probe calls %d (blocking %d), firing-probe pairs checked %d%n"
                            + "registrations %d, unregistrations %d, detaches %d, synchronizeUnregister calls %d%n"
                            + "missed firings: %d, duplicate calls: %d, misrouted calls: %d%n"
                            + "calls by firings begun after isRegistered() read false: %d%n",
                    firings,
                    probeCalls,
                    blockingCalls,
                    checkedFirings,
                    registrations,
                    unregistrations,
                    detaches,
                    synchronizeCalls,
                    missed,
                    duplicates,
                    misrouted,
                    callsAfterSeenGone));
            for (String failure : failures) {
                out.append("FAILURE: ").append(failure).append(System.lineSeparator());
            }
            out.append("calls after synchronizeUnregister: ")
                    .append(callsAfterSynchronize)
                    .append(System.lineSeparator());
            return out.toString();
        }
    }

    private final Settings settings;
    private final PrintStream diagnostics;
    private final List<Tracepoint<Hit>> tracepoints = new ArrayList<>();
    private final AtomicReferenceArray<Probe> slots; // [P]
    private final int firers;
    private final long[] sequences; // per firer, single writer (a chain joined in order)
    private volatile boolean stop; // [T] stop flag: written once by the coordinator, read by workers
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    private final LongAdder firings = new LongAdder();
    private final LongAdder checked = new LongAdder();
    private final LongAdder missed = new LongAdder();
    private final LongAdder registrations = new LongAdder();
    private final LongAdder unregistrations = new LongAdder();
    private final LongAdder detaches = new LongAdder();
    private final LongAdder synchronizeCalls = new LongAdder();
    private final LongAdder probeCalls = new LongAdder();
    private final LongAdder blockingCalls = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder misrouted = new LongAdder();
    private final LongAdder callsAfterSynchronize = new LongAdder();
    private final LongAdder callsAfterSeenGone = new LongAdder();

    private TracepointTorture(Settings settings, PrintStream diagnostics) {
        this.settings = settings;
        this.diagnostics = diagnostics;
        this.firers = settings.platformFirers() + settings.virtualFirers();
        this.sequences = new long[firers];
        int run = RUNS.incrementAndGet(); // [K] unique run id only, no ordering role
        String provider = "torture" + ProcessHandle.current().pid() + "_" + run;
        for (int i = 0; i < REGULAR; i++) {
            tracepoints.add(
                    Tracepoint.define(provider + ":regular" + i, Hit.class, "tracepoint", "thread", "sequence"));
        }
        for (int i = 0; i < FAULTABLE; i++) {
            tracepoints.add(Tracepoint.defineFaultable(
                    provider + ":faultable" + i, Hit.class, "tracepoint", "thread", "sequence"));
        }
        for (Tracepoint<Hit> tracepoint : tracepoints) {
            tracepoint.detachAfter(DETACH_FAILURES, DETACH_WINDOW);
        }
        this.slots = new AtomicReferenceArray<>(tracepoints.size() * SLOTS);
    }

    /** Runs one torture for {@code settings}; stacks of hung threads go to {@code diagnostics}. */
    static Report run(Settings settings, PrintStream diagnostics) {
        Logger log = Logger.getLogger("io.tracepoint4j"); // strong reference while the filter is set
        Filter previous = log.getFilter();
        log.setFilter(record -> !String.valueOf(record.getMessage()).contains(FAILING_PROBE)
                && (previous == null || previous.isLoggable(record)));
        try {
            return new TracepointTorture(settings, diagnostics).run();
        } finally {
            log.setFilter(previous);
        }
    }

    private Report run() {
        List<Thread> threads = new ArrayList<>();
        for (int f = 0; f < settings.platformFirers(); f++) {
            int index = f;
            threads.add(Thread.ofPlatform()
                    .daemon()
                    .name("tp-firer-" + index)
                    .start(guarded("firer " + index, () -> fireLoop(index))));
        }
        for (int v = 0; v < settings.virtualFirers(); v++) {
            int index = settings.platformFirers() + v;
            threads.add(Thread.ofPlatform()
                    .daemon()
                    .name("tp-virtual-chain-" + index)
                    .start(guarded("virtual firer " + index, () -> virtualChain(index))));
        }
        for (int u = 0; u < settings.updaters(); u++) {
            int index = u;
            threads.add(Thread.ofPlatform()
                    .daemon()
                    .name("tp-updater-" + index)
                    .start(guarded("updater " + index, () -> updateLoop(index))));
        }
        LockSupport.parkNanos(settings.duration().toNanos());
        stop = true; // [T] read by every worker loop
        List<Thread> hung = Watchdog.stillRunningAfter(threads, settings.stallTimeout());
        for (Thread thread : hung) {
            failures.add("thread " + thread.getName() + " did not stop within " + settings.stallTimeout());
        }
        if (!hung.isEmpty()) {
            dumpStacks();
        } else {
            cleanUp();
        }
        return new Report(
                firings.sum(),
                registrations.sum(),
                unregistrations.sum(),
                detaches.sum(),
                synchronizeCalls.sum(),
                probeCalls.sum(),
                blockingCalls.sum(),
                checked.sum(),
                missed.sum(),
                duplicates.sum(),
                misrouted.sum(),
                callsAfterSynchronize.sum(),
                callsAfterSeenGone.sum(),
                List.copyOf(failures));
    }

    // ---- firers ----

    private void virtualChain(int index) throws InterruptedException {
        while (!stop) { // [T]
            Thread generation = Thread.ofVirtual()
                    .name("tp-virtual-firer-" + index)
                    .start(guarded("virtual firer " + index, () -> fireBatch(index)));
            generation.join(); // orders sequences[index] and lastSeen[index] for the next one
        }
    }

    private void fireLoop(int index) {
        while (!stop) { // [T]
            fireBatch(index);
        }
    }

    private void fireBatch(int thread) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Probe[] candidates = new Probe[SLOTS];
        long sequence = sequences[thread];
        for (int n = 0; n < BATCH && !stop; n++) { // [T]
            int tp = random.nextInt(tracepoints.size());
            for (int s = 0; s < SLOTS; s++) {
                Probe probe = slots.getAcquire(tp * SLOTS + s); // [P] pairs with setRelease in register
                candidates[s] = probe != null && !probe.failing && probe.state() == REGISTERED ? probe : null; // [S]
            }
            sequence++;
            tracepoints.get(tp).fire().hit(tp, thread, sequence);
            firings.increment();
            for (int s = 0; s < SLOTS; s++) {
                Probe probe = candidates[s];
                if (probe != null && probe.state() == REGISTERED) { // [S] before unregister() began
                    checked.increment();
                    if (probe.lastSeen[thread] != sequence) {
                        missed.increment();
                    }
                }
            }
        }
        sequences[thread] = sequence;
    }

    // ---- updaters ----

    private void updateLoop(int updater) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        List<Integer> mine = new ArrayList<>();
        for (int slot = 0; slot < slots.length(); slot++) {
            if (slot % settings.updaters() == updater) {
                mine.add(slot);
            }
        }
        List<Probe> pending = new ArrayList<>(); // unregistered by this updater, not yet synchronized
        while (!stop) { // [T]
            int pattern = random.nextInt(8);
            if (pattern < 4) {
                toggle(mine.get(random.nextInt(mine.size())), pending, random);
            } else if (pattern < 7) {
                int storm = 2 + random.nextInt(mine.size() - 1 > 0 ? mine.size() - 1 : 1);
                for (int i = 0; i < storm; i++) {
                    toggle(mine.get(random.nextInt(mine.size())), pending, random);
                }
            } else {
                LockSupport.parkNanos(random.nextLong(50_000));
            }
            int when = random.nextInt(4);
            if (when == 0 && !pending.isEmpty()) {
                synchronizeAll(pending);
            } else if (when == 1 && !pending.isEmpty()) {
                synchronizeOneFlavor(pending, random);
            }
            // else: leave them pending, synchronized with a later batch
        }
        synchronizeAll(pending);
    }

    /** Registers a fresh probe in an empty slot, or unregisters the slot's probe. */
    private void toggle(int slot, List<Probe> pending, ThreadLocalRandom random) {
        int tp = slot / SLOTS;
        Tracepoint<Hit> tracepoint = tracepoints.get(tp);
        Probe current = slots.getPlain(slot); // owned by this updater
        if (current == null) {
            boolean failing = random.nextInt(FAILING_ONE_IN) == 0;
            boolean blocking = !failing && tp >= REGULAR && random.nextInt(3) == 0;
            Probe probe = new Probe(
                    tp, blocking, failing, firers, settings.blockTime().toNanos());
            probe.registered = settings.breakage() != Breakage.SKIP_REGISTER || random.nextBoolean();
            if (probe.registered) {
                tracepoint.register(probe, random.nextInt(3) * 10);
                registrations.increment();
            }
            probe.setState(REGISTERED); // [S] after register() returned
            slots.setRelease(slot, probe); // [P] read by firers' getAcquire
        } else if (current.failing) {
            awaitDetach(slot, current, pending, random);
        } else {
            current.setState(UNREGISTERING); // [S] before unregister(): firers stop expecting calls
            if (current.registered) {
                tracepoint.unregister(current);
                unregistrations.increment();
            }
            current.setState(UNREGISTERED); // [S]
            slots.setRelease(slot, null); // [P]
            pending.add(current);
        }
    }

    private void synchronizeAll(List<Probe> pending) {
        if (settings.breakage() != Breakage.SKIP_SYNCHRONIZE) {
            Tracepoints.synchronizeUnregister();
            synchronizeCalls.increment();
        }
        for (Probe probe : pending) {
            probe.setState(SYNCHRONIZED); // [S] after synchronizeUnregister() returned
        }
        pending.clear();
    }

    private void synchronizeOneFlavor(List<Probe> pending, ThreadLocalRandom random) {
        boolean faultable = random.nextBoolean();
        synchronizeFlavorOf(faultable ? REGULAR + random.nextInt(FAULTABLE) : random.nextInt(REGULAR), pending);
    }

    /** tp.synchronizeUnregister() covers its whole flavor: mark only probes of that flavor. */
    private void synchronizeFlavorOf(int tp, List<Probe> pending) {
        boolean faultable = tp >= REGULAR;
        if (settings.breakage() != Breakage.SKIP_SYNCHRONIZE) {
            tracepoints.get(tp).synchronizeUnregister();
            synchronizeCalls.increment();
        }
        pending.removeIf(probe -> {
            if ((probe.tracepoint >= REGULAR) != faultable) {
                return false;
            }
            probe.setState(SYNCHRONIZED); // [S] after synchronizeUnregister() returned
            return true;
        });
    }

    /**
     * The detach case: waits (spinning, as a user polling as fast as it can) until the library has
     * detached the failing probe in {@code slot}, then synchronizes at once, globally or for its
     * flavor, and marks it (with the other pending probes so covered) SYNCHRONIZED. Leaves the
     * probe in its slot if the run stops first; cleanUp() removes it.
     */
    private void awaitDetach(int slot, Probe probe, List<Probe> pending, ThreadLocalRandom random) {
        Tracepoint<Hit> tracepoint = tracepoints.get(probe.tracepoint);
        if (probe.state() == REGISTERED) { // else a storm met it again after the stop left it waiting
            probe.setState(UNREGISTERING); // [S] its removal is under way (firers never check failing probes)
        }
        if (settings.breakage() == Breakage.FIRE_BEFORE_DETACH) {
            probe.setSeenGoneBy(Thread.currentThread()); // the mutant: not seen gone yet
            tracepoint.fire().hit(probe.tracepoint, 0, -1);
        }
        while (probe.registered && tracepoint.isRegistered(probe)) {
            if (stop) { // [T]
                return;
            }
            Thread.onSpinWait();
        }
        probe.setState(UNREGISTERED); // [S] after isRegistered() read false: detached
        slots.setRelease(slot, null); // [P]
        probe.setSeenGoneBy(Thread.currentThread());
        tracepoint.fire().hit(probe.tracepoint, 0, -1); // oracle 8: begins after the removal was seen
        if (probe.registered) {
            detaches.increment();
        }
        if (settings.breakage() == Breakage.SKIP_DETACH_WAIT) {
            probe.setState(SYNCHRONIZED); // [S] the mutant: no synchronizeUnregister() at all
            return;
        }
        pending.add(probe);
        if (random.nextBoolean()) {
            synchronizeAll(pending);
        } else {
            synchronizeFlavorOf(probe.tracepoint, pending);
        }
    }

    // ---- end of run ----

    private void cleanUp() {
        List<Probe> pending = new ArrayList<>();
        for (int slot = 0; slot < slots.length(); slot++) {
            Probe probe = slots.getPlain(slot); // workers joined: plain is enough
            if (probe != null) {
                if (probe.state() < UNREGISTERING) {
                    probe.setState(UNREGISTERING); // [S]
                }
                if (probe.registered) {
                    try {
                        tracepoints.get(slot / SLOTS).unregister(probe);
                        unregistrations.increment();
                    } catch (IllegalStateException detached) {
                        if (!probe.failing) {
                            throw detached;
                        }
                        detaches.increment(); // the library was faster, on its own thread
                    }
                }
                probe.setState(UNREGISTERED); // [S]
                slots.setPlain(slot, null);
                pending.add(probe);
            }
        }
        Tracepoints.synchronizeUnregister();
        synchronizeCalls.increment();
        for (Probe probe : pending) {
            probe.setState(SYNCHRONIZED); // [S]
        }
        for (int tp = 0; tp < tracepoints.size(); tp++) {
            Tracepoint<Hit> tracepoint = tracepoints.get(tp);
            if (tracepoint.probeCount() != 0) {
                failures.add(tracepoint.name() + " still has " + tracepoint.probeCount() + " probe(s)");
            }
            tracepoint.fire().hit(tp, 0, -1); // must reach nobody: oracle 1 counts it if it does
        }
    }

    private Runnable guarded(String what, ThrowingRunnable body) {
        return () -> {
            try {
                body.run();
            } catch (Throwable t) {
                failures.add(what + " died: " + t);
                t.printStackTrace(diagnostics);
            }
        };
    }

    private void dumpStacks() {
        for (Map.Entry<Thread, StackTraceElement[]> entry :
                Thread.getAllStackTraces().entrySet()) {
            if (entry.getKey().getName().startsWith("tp-")) {
                diagnostics.println("stack of " + entry.getKey().getName() + ":");
                for (StackTraceElement element : entry.getValue()) {
                    diagnostics.println("\tat " + element);
                }
            }
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** One registration's probe: a fresh object per register(), checking oracles 1, 2 and 6. */
    private final class Probe implements Hit {
        final int tracepoint;
        final boolean blocking;
        final boolean failing; // always throws, after its checks: the library detaches it
        final long blockNanos;
        final long[] lastSeen; // slot per firing thread, written only by that thread
        boolean registered; // SKIP_REGISTER only; written and read by the owning updater alone
        private volatile int state = NEW; // [S]
        private volatile Thread seenGoneBy; // [G] failing probes: the updater that saw it removed
        private final AtomicLong calls = new AtomicLong();

        Probe(int tracepoint, boolean blocking, boolean failing, int firers, long blockNanos) {
            this.tracepoint = tracepoint;
            this.blocking = blocking;
            this.failing = failing;
            this.blockNanos = blockNanos;
            this.lastSeen = new long[firers];
        }

        int state() {
            return state; // [S] volatile read, pairs with setState
        }

        void setSeenGoneBy(Thread updater) {
            seenGoneBy = updater; // [G] volatile write, then the updater fires; read in hit() (oracle 8)
        }

        void setState(int next) {
            assert next > state : "probe states only move forward";
            state = next; // [S] volatile write, read by probes (oracle 1) and firers (oracle 2)
        }

        @Override
        public void hit(int tp, int thread, long sequence) {
            if (state == SYNCHRONIZED) { // [S] entry check, oracle 1
                callsAfterSynchronize.increment();
            }
            probeCalls.increment();
            if (tp != tracepoint) {
                misrouted.increment();
            }
            if (sequence >= 0) {
                if (lastSeen[thread] == sequence) {
                    duplicates.increment();
                }
                lastSeen[thread] = sequence;
            }
            if (blocking && (calls.incrementAndGet() & 15) == 0) { // [K] counter only, no ordering role
                blockingCalls.increment();
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(1, blockNanos + 1));
            }
            if (state == SYNCHRONIZED) { // [S] exit check, oracle 1
                callsAfterSynchronize.increment();
            }
            if (failing) {
                if (seenGoneBy == Thread.currentThread()) { // [G] oracle 8: only the updater's own firing
                    callsAfterSeenGone.increment();
                }
                throw new IllegalStateException(FAILING_PROBE + " " + tracepoint + " fails as it must");
            }
        }

        /** Names failing probes, so that the library's warnings about them can be told apart. */
        @Override
        public String toString() {
            return (failing ? FAILING_PROBE : "torture probe") + " of tracepoint " + tracepoint;
        }
    }
}
