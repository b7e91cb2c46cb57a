package io.tracepoint4j;

import io.tracepoint4j.Tracepoint.Definition;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MutableCallSite;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Array;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The update side of one tracepoint: register, unregister, replace and detach build the next probe
 * list and hand it to {@link #publish}, the one method that orders an update's writes (registrations,
 * probe array, static call, static key).
 */
final class ProbeUpdates<P> {
    /*
     * Overview
     *   `registrations` is the array of Registration (probe, priority, failure counts) in firing
     *   order, read by the query methods and the failure path; the tracepoint's `probes` is the
     *   parallel P[] the firing code loops over; the tracepoint's `dispatch` site is the static call
     *   (see Tracepoint's design note), whose target this class builds: callOne$ chained for 1 to
     *   INLINED_PROBES probes, else callAll$.
     *
     * Concurrency
     *   Updates (register, unregister, replace, detach, undoRegister) are serialized by updateLock; every
     *   update builds fresh arrays and hands them to publish(), the one method that writes [R], [P],
     *   [SC] and [K], in the order argued under [R]; no update waits for a grace period (the
     *   kernel once took 2m29s instead of 14.7s for a synchronize() per update): the old array is
     *   left to the collector ([GP]). Firings take no lock. The failure path (ProbeFailures)
     *   synchronizes on the failing probe's Registration only.
     *
     * Memory ordering
     *   [P] Tracepoint [P]: setProbesRelease(), the probe array the generated firing code loads.
     *       Written here only, by publish(), under updateLock.
     *   [R] setRegistrationsRelease() pairs with registrationsAcquire() in the failure path and the
     *       query methods isRegistered(), failures(), probeCount() (message passing). The update
     *       side, holding updateLock, reads plain. [R] is what a user (and the failure path) knows
     *       of who may be called, so it must never show fewer probes than firings can reach:
     *       publish(), the one writer, orders it against [P], [SC] and [K].
     *         adding:   [R], then [P], [SC], [K]. A firing reaches the new probe only through [P] or
     *                   [SC] (by the HotSpot behaviour argued there), both written after [R], so
     *                   the failure path finds its Registration: its failures are counted (and may
     *                   detach it), not reported as those of an unregistered probe.
     *         removing: [P], [SC], [K], then [R] last, a release store. A thread whose acquire in
     *                   isRegistered() sees the registration gone has the [P] store, the retarget
     *                   and the deoptimization setTarget finished before returning happen-before
     *                   it. A synchronize() it calls afterwards begins after them, so by [GP] and
     *                   [SC] it waits for every firing that could still run the probe (one that
     *                   loaded the old array or target, or ran code that folded it, entered its
     *                   section before the retarget returned); and the thread's own firings that
     *                   begin afterwards do not call the probe, as after unregister() returned.
     *                   This holds whoever removed the probe: unregister(), undoRegister(), or
     *                   detach(), which runs on the library's own thread, so a user learns that it
     *                   is over only from isRegistered(). (Issue 10: [R] used to be written first
     *                   when removing too; a detached probe seen gone, then waited for by
     *                   synchronizeUnregister(), was still called by firings the retarget had not
     *                   reached yet.)
     *         replacing: both rules at once: [R] shows the old probes and the replacement, then [P],
     *                   [SC], [K] (the key stays on), then [R] without the replaced probe. A firing
     *                   loads one array or one target, so it calls the replaced probe or its
     *                   replacement, never both and never neither.
     *       In between, a probe being removed that throws is still counted (and may be flagged for
     *       detach; detach() takes updateLock after the removal and finds its Registration gone).
     *   [K] key flip: setTarget then MutableCallSite.syncAll(), whose contract is that every thread
     *       sees the new target at its next firing. 0->1 turns the key on after [P] and [SC]; 1->0
     *       turns it off after them. A firing that sees a stale key reads a valid target either way
     *       (an empty loop, or a skipped firing that raced with the update).
     *   [SC] dispatch re-target, after [P]: setTarget then syncAll, as [K]. Why a firing never calls
     *       a probe that synchronizeUnregister() has already waited out: the firing reads the
     *       target inside its read-side section, after the entry store. Interpreted (and C1) code
     *       loads the target field there, so the [GP] argument applies to it as to `probes`
     *       (a section the grace period does not wait for sees every write before it). C2 code
     *       folded the target at compile time instead; HotSpot's setTarget deoptimizes that code
     *       before it returns, with a handshake of every thread. A thread is stopped for it only at a
     *       safepoint poll or a call, and compiled code has none between the section's entry and the
     *       inlined probe calls: a thread either had not entered the section (it resumes
     *       deoptimized, in the interpreter, and reads the new target) or had entered it before
     *       setTarget returned, hence before unregister() returned and before [R] showed the probe
     *       gone, so the grace period waits for it. Like [B] in the rcu module this is HotSpot
     *       behaviour, not a JMM guarantee; the tracepoint torture checks it, detached probes too.
     *   [GP] unregister: the [P] store precedes any later synchronize(); the domain guarantees
     *       every section that could have loaded the old array has ended before synchronize()
     *       returns, and sections that begin later load the new one. Nothing is queued per update:
     *       the old array is garbage once no firing holds it (the kernel frees it after a grace
     *       period, which the collector makes unnecessary here).
     *
     * Invariants
     *   probes and registrations have equal length and order; order is descending priority, then
     *   registration order; a probe appears at most once (identity); after every update the key is on
     *   exactly when the arrays are non-empty (asserted); onFirstProbe ran exactly once per 0->1 and
     *   onLastProbe exactly once per 1->0.
     *
     * Lock order
     *   updateLock is taken alone; the hooks run under it and may not update the same tracepoint
     *   (refused with IllegalStateException, since ReentrantLock would let them in). The registry
     *   lock (Registry.lock) is never held while updateLock is taken.
     *
     * Failure modes
     *   A failing onFirstProbe aborts the register with nothing changed (the dispatch target, whose
     *   building is the step likeliest to fail, is built before the hook); a failing onLastProbe is
     *   logged (the unregister already happened). A register that fails after its onFirstProbe ran
     *   (a retarget) is undone by undoRegister: previous arrays, dispatch target and key restored,
     *   onLastProbe run (the kernel calls unregfunc), and the exception propagates. Firings in
     *   between may have called the probe, as after an unregister.
     */

    /** The key's target while no probe is attached; also its first, so a switch off leaves it alone. */
    static final MethodHandle KEY_OFF = MethodHandles.constant(boolean.class, false);

    private static final MethodHandle KEY_ON = MethodHandles.constant(boolean.class, true);
    private static final Registration[] NONE = new Registration[0];
    /** Up to this many probes are bound into the dispatch target ([SC]); more are called in a loop. */
    static final int INLINED_PROBES = 8;

    private final Tracepoint<P> tracepoint;
    private final Definition<P> definition;
    /** Serializes updates. Lock order: taken alone (see design note). */
    private final ReentrantLock updateLock = new ReentrantLock();
    /** The generated callOne$(Tracepoint, P, args...): one isolated probe call. */
    private final MethodHandle callOne;
    /** The generated callAll$(Tracepoint, args...): the loop over `probes`. */
    private final MethodHandle callAll;
    /**
     * callAll bound to this tracepoint, made by the first update that needs it, not at define time
     * (a method-handle species per prototype shape costs milliseconds in a cold JVM). updateLock only.
     */
    private MethodHandle boundCallAll;

    @SuppressWarnings("unused") // accessed through REGISTRATIONS
    private Registration[] registrations = NONE; // [R]

    /** Set by forget(): the tracepoint left the registry and takes no probes. updateLock only. */
    private boolean forgotten;

    /**
     * The update side of {@code tracepoint}, whose generated class supplies {@code callOne}
     * ({@code (Tracepoint, P, args...)void}) and {@code callAll} ({@code (Tracepoint, args...)void}).
     * Does no method-handle work: the dispatch site keeps its initial target (which throws) until
     * the first publish() retargets it, and no firing calls it before, since publish() turns the key
     * on only after retargeting ([SC] before [K]).
     */
    ProbeUpdates(Tracepoint<P> tracepoint, Definition<P> definition, MethodHandle callOne, MethodHandle callAll) {
        this.tracepoint = tracepoint;
        this.definition = definition;
        this.callOne = callOne;
        this.callAll = callAll;
    }

    /** See {@link Tracepoint#register(Object, int)}. */
    void register(P probe, int priority) {
        checkProbe(probe, "register");
        Domains.prepareFirings(definition.flavor()); // here, not in a firing: see there
        ReentrantLock lock = lockForUpdate("register");
        try {
            if (forgotten) {
                throw new IllegalStateException(name() + " was forgotten (Tracepoints.forget() of its class loader,"
                        + " which is tearing down): it takes no probes. Nothing was changed.");
            }
            Registration[] current = registrationsPlain();
            if (indexOf(current, probe) >= 0) {
                throw new IllegalStateException("probe " + Tracepoint.describe(probe) + " is already registered on "
                        + name() + "; a probe is registered at most once per tracepoint. Nothing was changed.");
            }
            Registration added = new Registration(probe, priority);
            Registration[] next = inserted(current, added);
            Object nextProbes = probeArray(next);
            // built before the hook: a failure up to the hook changes nothing
            MethodHandle nextDispatch = dispatchTarget(next);
            MethodHandle previousDispatch = definition.dispatch().getTarget();
            Object previousProbes = tracepoint.probesPlain();
            boolean first = current.length == 0;
            if (first && definition.onFirstProbe() != null) {
                runHook(definition.onFirstProbe()); // a throw aborts the registration: nothing published yet
            }
            try {
                publish(next, nextProbes, nextDispatch);
            } catch (RuntimeException | Error e) {
                undoRegister(previousProbes, previousDispatch, current, e);
                throw e;
            }
        } finally {
            lock.unlock();
        }
        // here, on the consumer's thread, after the probe is published: the probe's failures are
        // reported there (one before this waits in the queue; see FailureReports, "Concurrency")
        try {
            FailureReports.start();
        } catch (RuntimeException | Error e) {
            // no thread now (out of memory or stack): the probe stays registered, its reports wait in
            // the queue for the next registration's start()
        }
    }

    /** See {@link Tracepoint#unregister(Object)}. */
    void unregister(P probe) {
        if (!remove(probe, "unregister")) {
            throw new IllegalStateException(notRegistered(probe, name()) + " Nothing was changed.");
        }
    }

    /** Unregisters {@code probe} if it is registered; returns whether it was. */
    boolean unregisterIfRegistered(Object probe) {
        return remove(probe, "unregisterIfRegistered");
    }

    /** See {@link Tracepoint#replace(Object, Object)}. */
    boolean replace(Object probe, P replacement) {
        checkProbe(probe, "replace");
        checkProbe(replacement, "replace");
        ReentrantLock lock = lockForUpdate("replace");
        try {
            Registration[] current = registrationsPlain();
            int index = indexOf(current, probe);
            if (index < 0) {
                return false;
            }
            if (probe == replacement) {
                return true; // nothing to change
            }
            if (indexOf(current, replacement) >= 0) {
                throw new IllegalStateException("replace(" + Tracepoint.describe(probe) + ", "
                        + Tracepoint.describe(replacement) + ") on " + name() + ": the replacement is already"
                        + " registered here; a probe is registered at most once per tracepoint. Nothing was changed.");
            }
            Registration[] next = current.clone();
            next[index] = new Registration(replacement, current[index].priority);
            Registration[] both = inserted(current, next[index]); // both, shown while firings may reach either
            Object nextProbes = probeArray(next);
            MethodHandle nextDispatch = dispatchTarget(next); // built before anything is published
            Object previousProbes = tracepoint.probesPlain();
            MethodHandle previousDispatch = definition.dispatch().getTarget();
            try {
                publish(both, next, nextProbes, nextDispatch);
            } catch (RuntimeException | Error e) { // the retarget failed: back to the probe replaced
                try {
                    publish(both, current, previousProbes, previousDispatch);
                } catch (RuntimeException | Error again) {
                    e.addSuppressed(again);
                }
                throw e;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private boolean remove(Object probe, String what) {
        checkProbe(probe, what);
        ReentrantLock lock = lockForUpdate(what);
        try {
            int index = indexOf(registrationsPlain(), probe);
            if (index < 0) {
                return false;
            }
            removeLocked(index);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Removes {@code registration} if it is still registered (a failing probe); never throws. */
    void detach(Registration registration, DetachPolicy policy) {
        updateLock.lock();
        try {
            // the same Registration, not just the same probe: it may have been unregistered and registered again
            Registration[] current = registrationsPlain();
            for (int i = 0; i < current.length; i++) {
                if (current[i] == registration) {
                    removeLocked(i);
                    Tracepoint.log().log(
                            System.Logger.Level.WARNING,
                            "probe " + Tracepoint.describe(registration.probe) + " detached from "
                                    + name() + " after " + policy.failures() + " failures within " + policy.window()
                                    + " (" + registration.failures() + " in all)");
                    return;
                }
            }
        } catch (RuntimeException e) {
            Tracepoint.log().log(
                    System.Logger.Level.WARNING, "detaching a failing probe from " + name() + " failed", e);
        } finally {
            updateLock.unlock();
        }
    }

    /** The registrations now, in firing order: {@code [R]}, an acquire load. */
    Registration[] registrationsAcquire() {
        return (Registration[]) REGISTRATIONS.getAcquire(this);
    }

    /**
     * Puts back the state before a register() that failed after its onFirstProbe hook ran (the
     * kernel calls unregfunc when a registration fails after regfunc): the previous arrays,
     * dispatch target and key, in the order of an unregister (firings may have called the added
     * probe meanwhile, as after an unregister), and onLastProbe runs if this was the first probe. The restored targets are the ones in place before, so nothing is built; a
     * failure while undoing is added to {@code failure}, which the caller throws.
     */
    private void undoRegister(
            Object previousProbes, MethodHandle previousDispatch, Registration[] previous, Throwable failure) {
        try {
            publish(previous, previousProbes, previousDispatch);
            boolean none = previous.length == 0;
            if (none && definition.onLastProbe() != null) {
                runHook(definition.onLastProbe());
            }
        } catch (RuntimeException | Error e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Unregisters every probe and refuses new ones: the tracepoint left the registry
     * (Tracepoints.forget()). As after unregister(), a probe may still be running until a grace
     * period of the flavor ends.
     */
    void forget() {
        ReentrantLock lock = lockForUpdate("forget");
        try {
            forgotten = true;
            if (registrationsPlain().length > 0) {
                removeLocked(NONE);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Set on a thread while it runs a lifecycle hook: see runHook(). */
    private static final ThreadLocal<Boolean> IN_HOOK = new ThreadLocal<>();

    /**
     * Runs a lifecycle hook (updateLock held), marking the thread as inside one: a hook that waits
     * for a grace period (synchronizeUnregister) would wait for a running probe that may itself
     * wait for updateLock (a probe that unregisters itself), a deadlock; Tracepoint's
     * refuseWaitInsideProbe refuses it instead.
     */
    private static void runHook(Runnable hook) {
        Boolean outer = IN_HOOK.get();
        IN_HOOK.set(Boolean.TRUE);
        try {
            hook.run();
        } finally {
            if (outer == null) {
                IN_HOOK.remove();
            }
        }
    }

    /** Whether the calling thread is running a lifecycle hook. */
    static boolean inHook() {
        return IN_HOOK.get() != null;
    }

    /** Whether forget() ran: the tracepoint left the registry and takes no probes. */
    boolean forgotten() {
        updateLock.lock(); // a cold path: a registration that failed asks
        try {
            return forgotten;
        } finally {
            updateLock.unlock();
        }
    }

    /** Removes registrations[index]. */
    private void removeLocked(int index) {
        Registration[] current = registrationsPlain();
        Registration[] next = new Registration[current.length - 1];
        System.arraycopy(current, 0, next, 0, index);
        System.arraycopy(current, index + 1, next, index, next.length - index);
        removeLocked(next);
    }

    /** Makes {@code next}, fewer registrations, the registered ones: publish (key off on 1->0), then the hook. */
    private void removeLocked(Registration[] next) {
        publish(next, probeArray(next), dispatchTarget(next));
        boolean last = next.length == 0;
        if (last && definition.onLastProbe() != null) {
            try {
                runHook(definition.onLastProbe());
            } catch (RuntimeException | Error e) {
                Tracepoint.log().log(
                        System.Logger.Level.WARNING,
                        "onLastProbe hook of " + name() + " threw; the probe was unregistered all the same",
                        e);
            }
        }
    }

    /**
     * Makes {@code next} the registered probes: the one place that orders the writes of an update
     * ([R], [P], [SC], [K]; see the design note); updateLock held. An update adds a registration
     * (register), removes one (unregister, detach, undoRegister), or both (replace); [R] shows an
     * added probe before any firing can reach it, and a removed one as gone only after no firing
     * that begins can reach it. The key is on exactly when {@code next} is non-empty.
     */
    private void publish(Registration[] next, Object nextProbes, MethodHandle nextDispatch) {
        boolean removing = next.length < registrationsPlain().length;
        publish(removing ? registrationsPlain() : next, next, nextProbes, nextDispatch);
    }

    /**
     * As publish(next, ...), with [R] showing {@code during} (every registration a firing may reach
     * before or after the update: the old ones and the added one) until the firings cannot reach a
     * removed one any more.
     */
    private void publish(Registration[] during, Registration[] next, Object nextProbes, MethodHandle nextDispatch) {
        if (during != registrationsPlain()) {
            setRegistrationsRelease(during); // [R] an added probe first; pairs with registrationsAcquire()
        }
        tracepoint.setProbesRelease(nextProbes); // [P] pairs with probesAcquire() in the generated firing code
        retarget(definition.dispatch(), nextDispatch); // [SC] after [P]
        setKey(next.length > 0); // [K] after [P] and [SC]; an unchanged key is left alone
        if (next != during) {
            setRegistrationsRelease(next); // [R] a removed probe last; pairs with registrationsAcquire()
        }
        assert keyOn() == (next.length > 0);
    }

    /** The probes of {@code registrations} bound in, in firing order; or the loop. updateLock held. */
    private MethodHandle dispatchTarget(Registration[] registrations) {
        int n = registrations.length;
        if (n == 0 || n > INLINED_PROBES) {
            if (boundCallAll == null) {
                boundCallAll = MethodHandles.insertArguments(callAll, 0, tracepoint);
            }
            return boundCallAll;
        }
        MethodHandle chain = MethodHandles.insertArguments(callOne, 0, tracepoint, registrations[n - 1].probe);
        for (int i = n - 2; i >= 0; i--) {
            // foldArguments runs its combiner (probe i) first, then the rest of the chain
            chain = MethodHandles.foldArguments(
                    chain, MethodHandles.insertArguments(callOne, 0, tracepoint, registrations[i].probe));
        }
        return chain;
    }

    private void setKey(boolean on) {
        retarget(definition.key(), on ? KEY_ON : KEY_OFF); // [K]
    }

    /** Whether the key's target is constant(true); updateLock held (the only writer). */
    private boolean keyOn() {
        return definition.key().getTarget() == KEY_ON;
    }

    /**
     * Points {@code site} at {@code target}, [K] and [SC]; updateLock held. An unchanged target (the
     * loop staying the loop) is left alone: there is nothing to deoptimize.
     */
    private static void retarget(MutableCallSite site, MethodHandle target) {
        if (site.getTarget() == target) {
            return;
        }
        site.setTarget(target); // [K]/[SC] deoptimizes code that folded the old target
        MutableCallSite.syncAll(new MutableCallSite[] {site}); // [K]/[SC] every thread sees it at its next firing
    }

    private ReentrantLock lockForUpdate(String what) {
        if (updateLock.isHeldByCurrentThread()) {
            throw new IllegalStateException(what + "() on " + name() + " from its own onFirstProbe/onLastProbe"
                    + " hook: hooks must not change the probes of their tracepoint. Nothing was changed.");
        }
        updateLock.lock();
        return updateLock;
    }

    private void checkProbe(Object probe, String what) {
        if (probe == null) {
            throw new IllegalArgumentException(what + "(null) on " + name() + ": a probe is an implementation of "
                    + prototype().getName() + ", usually a lambda. Nothing was changed.");
        }
        if (probe == tracepoint) {
            throw new IllegalArgumentException(what + "() of " + name() + " with the tracepoint itself as probe:"
                    + " firing would call itself forever. Nothing was changed.");
        }
        if (!prototype().isInstance(probe)) { // raw types, unchecked casts, or unregisterIfRegistered(Object)
            throw new IllegalArgumentException(what + "(" + Tracepoint.describe(probe) + ") on " + name() + ": a "
                    + probe.getClass().getName() + " is not a " + prototype().getName() + ". Nothing was changed.");
        }
    }

    static int indexOf(Registration[] registrations, Object probe) {
        for (int i = 0; i < registrations.length; i++) {
            if (registrations[i].probe == probe) {
                return i;
            }
        }
        return -1;
    }

    /** A copy with {@code added} after every registration of priority >= its own. */
    private static Registration[] inserted(Registration[] current, Registration added) {
        int at = 0;
        while (at < current.length && current[at].priority >= added.priority) {
            at++;
        }
        Registration[] next = new Registration[current.length + 1];
        System.arraycopy(current, 0, next, 0, at);
        next[at] = added;
        System.arraycopy(current, at, next, at + 1, current.length - at);
        return next;
    }

    private Object probeArray(Registration[] registrations) {
        Object[] array = (Object[]) Array.newInstance(prototype(), registrations.length);
        for (int i = 0; i < registrations.length; i++) {
            array[i] = registrations[i].probe;
        }
        return array;
    }

    /**
     * Why {@code probe} was not found on tracepoint {@code name}, for a refusal: the ways a probe
     * leaves, and the identity hint.
     */
    static String notRegistered(Object probe, String name) {
        return "probe " + Tracepoint.describe(probe) + " is not registered on " + name + " (never registered,"
                + " already unregistered, or detached after repeated failures, which a warning reported with their"
                + " count)." + identityHint(probe);
    }

    /**
     * For a probe not found: probes are matched by identity, and a lambda or method reference is a
     * new object each time it is evaluated (hidden classes are what javac's lambdas become).
     */
    static String identityHint(Object probe) {
        return probe.getClass().isHidden()
                ? " Probes are matched by identity, and a lambda or method reference is a new object each"
                        + " time it is evaluated: register(this::onRequest) then unregister(this::onRequest)"
                        + " passes two probes. Keep the probe in a field and pass that field to both."
                : "";
    }

    private String name() {
        return definition.name();
    }

    private Class<P> prototype() {
        return definition.prototype();
    }

    // ---- accessors ----

    private Registration[] registrationsPlain() {
        assert updateLock.isHeldByCurrentThread();
        return (Registration[]) REGISTRATIONS.get(this);
    }

    private void setRegistrationsRelease(Registration[] value) {
        REGISTRATIONS.setRelease(this, value);
    }

    private static final VarHandle REGISTRATIONS;

    static {
        try {
            REGISTRATIONS =
                    MethodHandles.lookup().findVarHandle(ProbeUpdates.class, "registrations", Registration[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
