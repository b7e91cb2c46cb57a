package io.tracepoint4j;

import io.tracepoint4j.rcu.internal.RateLimit;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A static hook in library code that consumers attach probes to: the JVM's version of a Linux kernel
 * tracepoint. Its prototype is a public functional interface {@code P} whose single method returns
 * void; the library keeps the tracepoint in a {@code static final} field and fires it through
 * {@link #fire()}, which returns the tracepoint itself as a {@code P}:
 *
 * <pre>{@code
 * public interface Request { void request(String method, int status, long nanos); }
 *
 * static final Tracepoint<Request> REQUEST =
 *         Tracepoint.define("http:request", Request.class, "method", "status", "nanos");
 *
 * REQUEST.fire().request("GET", 200, nanos);                   // instrumented code
 * if (REQUEST.enabled()) { REQUEST.fire().request(describe(), 200, nanos); }  // costly arguments
 *
 * REQUEST.register((method, status, nanos) -> record(method, status, nanos));   // a consumer
 * }</pre>
 *
 * <p><b>Cost.</b> With no probe attached, firing costs what an empty method costs: the check is a
 * static key (a {@link MutableCallSite} whose constant target the JIT folds), not a load, so there is
 * no volatile read, no allocation and no boxing. With probes attached, firing opens a read-side
 * critical section of the flavor's RCU domain, loads the current probe array and calls each probe
 * with the arguments as passed (primitives stay primitive). Nothing is allocated and no lock is taken.
 *
 * <p><b>Probes</b> are implementations of {@code P}, usually lambdas, identified by identity. They
 * run in descending priority, and in registration order among equal priorities. A probe that throws
 * never disturbs the instrumented code nor the other probes: the failure is counted
 * ({@link #failures(Object)}), reported through {@link System.Logger} {@code "io.tracepoint4j"} at
 * most once per probe every 10 s (system property {@code tracepoint4j.failureLogIntervalMillis}; the
 * failures of probes already unregistered, at most once per tracepoint), and a policy may detach the
 * probe ({@link #detachAfter(int, Duration)}).
 *
 * <p><b>Flavors.</b> Probes of a {@link Flavor#REGULAR} tracepoint must not block: they run inside a
 * classic RCU read-side critical section. Probes of a {@link Flavor#FAULTABLE} tracepoint may block,
 * sleep, wait for locks and do I/O: they run inside an SRCU section of a separate domain, so a
 * blocked probe delays only the grace periods of faultable tracepoints. Any thread may fire any
 * tracepoint: threads the library never saw, threads that are ending, virtual threads. Probes may
 * open read-side critical sections of any RCU or SRCU domain themselves.
 *
 * <p><b>Unregistering.</b> {@link #unregister(Object)} returns at once; the probe may still be
 * running in firings that began before. {@link #synchronizeUnregister()} (this tracepoint's flavor)
 * and {@link Tracepoints#synchronizeUnregister()} (every flavor) wait until no unregistered probe is
 * running; after they return, none will be called again. Call them before freeing what a probe uses.
 *
 * <p>Memory consistency effects: actions in a thread prior to {@code register(probe)} happen-before
 * every call of {@code probe} made because of that registration. Every action of such a call
 * happens-before the return of a {@code synchronizeUnregister()} (of this tracepoint or of
 * {@link Tracepoints}) called after the {@code unregister(probe)} that ended the registration
 * returned (in the same thread, or ordered after it by happens-before).
 *
 * <p>Thread safety: every method may be called from any thread. Firing is wait-free while disabled
 * and, while enabled, wait-free apart from the probes themselves (the first firing on a thread
 * registers it with the RCU domain); register and unregister are blocking (one lock per tracepoint)
 * and never wait for a grace period.
 *
 * @param <P> the prototype: a public interface with exactly one abstract method, returning void
 */
public abstract class Tracepoint<P> {
    /*
     * Overview
     *   Each tracepoint is the one instance of a hidden class that EmitterGenerator writes for it:
     *   the class extends Tracepoint<P> and implements P, so fire() returns `this` and the P method
     *   is the firing code. From a static final field C2 sees a constant receiver and inlines both.
     *   The generated code reads a static final invoker of `key` (a MutableCallSite whose target is
     *   constant(false) or constant(true)); C2 folds it, and setTarget deoptimizes dependent code.
     *   When the key is on, the generated code opens a read-side section of the flavor's domain,
     *   calls the target of `dispatch`, and ends the section. `registrations` is the array of
     *   Registration (priority, failure counts) in firing order, used by the update side and the
     *   failure path; `probes` is the parallel P[].
     *
     * Static call (the kernel's static_call, its tracepoints' tp_func_1)
     *   `dispatch` is a second MutableCallSite, of the prototype method's type. With 1 to
     *   INLINED_PROBES probes registered, its target calls exactly those probes, each bound in as a
     *   constant, in firing order, each inside its own try/catch (the generated callOne$). C2 folds
     *   the target and inlines every probe with no array load, no bounds check and no type check:
     *   one attached probe costs the read-side section and a direct call. With more probes (or
     *   none) the target is callAll$, which loads `probes` ([P]) and loops. Every update whose
     *   target changes re-targets the site, which deoptimizes the code that folded the old one, as
     *   static_call_update() patches the call instruction.
     *
     * Concurrency
     *   Updates (register, unregister, detach, undoRegister) are serialized by updateLock; every
     *   update builds fresh arrays and hands them to publish(), the one method that writes [R], [P],
     *   [SC] and [K], in the order argued under [R]; no update waits for a grace period (the
     *   kernel once took 2m29s instead of 14.7s for a synchronize() per update): the old array is
     *   left to the collector ([GP]). Firings take no lock. The failure path synchronizes on the failing probe's
     *   Registration only.
     *
     * Memory ordering
     *   [P] setProbesRelease() by the updater (under updateLock) pairs with probesAcquire() in the
     *       generated firing code (message passing): a firing that loads the new array sees it and
     *       every probe in it fully built, with everything the registering thread did before.
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
     *   [D] detachPolicy: volatile, written by detachAfter(), read by the failure path.
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
     *   A probe that throws: probeFailed() counts it and hands what to report to a FailureReport,
     *   run on the FailureReports thread, which logs (rate-limited) and maybe detaches the probe on
     *   a virtual thread; probeFailed itself never throws, and does nothing on the failing thread
     *   whose first use could fail for good (see FailureReports). A failing onFirstProbe aborts
     *   the register with nothing changed (the dispatch target, whose building is the step
     *   likeliest to fail, is built before the hook); a failing onLastProbe is logged (the
     *   unregister already happened). A register that fails after its onFirstProbe ran (a
     *   retarget) is undone by undoRegister: previous arrays, dispatch target and key restored,
     *   onLastProbe run (the kernel calls unregfunc), and the exception propagates. Firings in between may have called the probe, as after an
     *   unregister.
     *   No class of this module contains an invokedynamic (NoInvokeDynamicTest): the build
     *   compiles string concatenation inline, and lambdas, method references and records' generated
     *   methods are written out as classes and methods. A call site whose first linkage fails (a
     *   StackOverflowError in a deep thread, an OutOfMemoryError) fails for good, in every thread
     *   (JVMS 5.4.3.6): one overflow in a firing, a define or a detach would break the tracepoint,
     *   or every later define, for the whole JVM (issue 10).
     *
     * References
     *   Linux kernel/tracepoint.c (tracepoint_add_func, tracepoint_remove_func, func_add),
     *   include/linux/tracepoint.h (__DO_TRACE), LTTng-UST tracepoint.c.
     */

    /** The priority of {@link #register(Object)}: 10, as in the kernel. */
    public static final int DEFAULT_PRIORITY = 10;

    static final System.Logger LOG = System.getLogger("io.tracepoint4j");

    private static final String LOG_INTERVAL_PROPERTY = "tracepoint4j.failureLogIntervalMillis";
    private static final long LOG_INTERVAL_NANOS =
            Duration.ofMillis(Long.getLong(LOG_INTERVAL_PROPERTY, 10_000)).toNanos();
    private static final MethodHandle KEY_OFF = MethodHandles.constant(boolean.class, false);
    private static final MethodHandle KEY_ON = MethodHandles.constant(boolean.class, true);
    private static final Registration[] NONE = new Registration[0];
    /** Up to this many probes are bound into the dispatch target ([SC]); more are called in a loop. */
    static final int INLINED_PROBES = 8;

    private final Definition<P> definition;
    /** Serializes updates. Lock order: taken alone (see design note). */
    private final ReentrantLock updateLock = new ReentrantLock();
    /**
     * The generated callOne$(Tracepoint, P, args...): one isolated probe call. Set once, by
     * linkDispatch, before the tracepoint is published; read under updateLock.
     */
    private MethodHandle callOne;
    /** The generated callAll$(Tracepoint, args...) bound to this: the loop over `probes`. */
    private MethodHandle callAll;

    @SuppressWarnings("unused") // accessed through PROBES
    private Object probes; // [P] a P[] in firing order, never null

    @SuppressWarnings("unused") // accessed through REGISTRATIONS
    private Registration[] registrations = NONE; // [R]

    private volatile DetachPolicy detachPolicy = DetachPolicy.DEFAULT; // [D]

    /** Rate-limits the reports of probes that threw after they were unregistered (their Registration is gone). */
    private final RateLimit unregisteredFailures = new RateLimit();

    /** Only generated subclasses, built by {@link EmitterGenerator}. */
    Tracepoint(Definition<P> definition) {
        this.definition = definition;
        this.probes = Array.newInstance(definition.prototype(), 0);
    }

    // ---- factories ----

    /**
     * Defines a {@link Flavor#REGULAR} tracepoint, or returns the one already defined under this
     * name with the same prototype, argument names and flavor (a class initialized again, e.g. in
     * another class loader, gets the existing tracepoint). Listeners of {@link Tracepoints} are told
     * of a new tracepoint before this method returns, also when another thread defined it: this
     * method waits until they were told (except when called from a listener).
     *
     * @param name {@code provider:event}, each part a letter or {@code _} followed by letters, digits
     *     or {@code _}, e.g. {@code "http:request"}
     * @param prototype a public interface with exactly one abstract method, returning void, whose
     *     parameters are primitives, {@code String}, enums or {@code byte[]}
     * @param argumentNames one name per parameter (identifiers, unique); may be omitted when the
     *     prototype was compiled with {@code -parameters}
     * @throws IllegalArgumentException naming the mistake, if the name, the prototype or the argument
     *     names are invalid, or the name is defined with another prototype, argument names or flavor
     */
    public static <P> Tracepoint<P> define(String name, Class<P> prototype, String... argumentNames) {
        return builder(name, prototype).arguments(argumentNames).define();
    }

    /**
     * Defines a {@link Flavor#FAULTABLE} tracepoint, whose probes may block; otherwise as
     * {@link #define(String, Class, String...)}.
     */
    public static <P> Tracepoint<P> defineFaultable(String name, Class<P> prototype, String... argumentNames) {
        return builder(name, prototype).arguments(argumentNames).faultable().define();
    }

    /** A builder, for tracepoints with lifecycle hooks; ends with {@link Builder#define()}. */
    public static <P> Builder<P> builder(String name, Class<P> prototype) {
        return new Builder<>(name, prototype);
    }

    // ---- firing ----

    /**
     * This tracepoint as its prototype: calling the prototype's method fires the tracepoint. Returns
     * {@code this}; from a {@code static final} field the JIT inlines the whole firing.
     */
    @SuppressWarnings("unchecked")
    public final P fire() {
        return (P) this;
    }

    /**
     * Whether at least one probe is registered: a static key, folded by the JIT. Use it to skip
     * computing costly arguments; {@link #fire()} checks it anyway.
     */
    public abstract boolean enabled();

    // ---- probes ----

    /** Registers {@code probe} with {@link #DEFAULT_PRIORITY}; see {@link #register(Object, int)}. */
    public final void register(P probe) {
        register(probe, DEFAULT_PRIORITY);
    }

    /**
     * Registers {@code probe}: firings that begin after this returns call it. Probes run in descending
     * priority, equal priorities in registration order. On the first probe the {@code onFirstProbe}
     * hook runs before the probe is published; if it throws, the exception propagates and nothing
     * changes. If the registration fails after the hook ran, it is undone, {@code onLastProbe} runs
     * and the exception propagates; firings in between may have called the probe, as after an
     * {@link #unregister(Object)}. Does not wait for a grace period.
     *
     * @throws IllegalArgumentException if {@code probe} is null or this tracepoint itself
     * @throws IllegalStateException if {@code probe} is already registered here (nothing changes), or
     *     if called from this tracepoint's own lifecycle hook
     */
    public final void register(P probe, int priority) {
        checkProbe(probe, "register");
        FailureReports.start(); // here, on the consumer's thread: the probe's failures are reported there
        ReentrantLock lock = lockForUpdate("register");
        try {
            Registration[] current = registrationsPlain();
            if (indexOf(current, probe) >= 0) {
                throw new IllegalStateException("probe " + describe(probe) + " is already registered on " + name()
                        + "; a probe is registered at most once per tracepoint. Nothing was changed.");
            }
            Registration added = new Registration(probe, priority);
            Registration[] next = inserted(current, added);
            Object nextProbes = probeArray(next);
            // built before the hook: a failure up to the hook changes nothing
            MethodHandle nextDispatch = dispatchTarget(next);
            MethodHandle previousDispatch = definition.dispatch().getTarget();
            Object previousProbes = probesPlain();
            boolean first = current.length == 0;
            if (first && definition.onFirstProbe() != null) {
                definition.onFirstProbe().run(); // a throw aborts the registration: nothing published yet
            }
            try {
                // The read side's one-time set-up (FFM membarrier registration, ~0.3 s on a cold JVM)
                // happened when the flavors' domains were created, at the first define, not here
                // and not in the first firing.
                publish(next, nextProbes, nextDispatch);
            } catch (RuntimeException | Error e) {
                undoRegister(previousProbes, previousDispatch, current, e);
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Unregisters {@code probe}: firings that begin after this returns do not call it, but firings
     * already running may still be inside it; {@link #synchronizeUnregister()} waits for them. On the
     * last probe the {@code onLastProbe} hook runs after the probe is unpublished. Does not wait for a
     * grace period.
     *
     * @throws IllegalArgumentException if {@code probe} is null
     * @throws IllegalStateException if {@code probe} is not registered here (never was, already
     *     unregistered, or detached after failures); nothing changes
     */
    public final void unregister(P probe) {
        checkProbe(probe, "unregister");
        ReentrantLock lock = lockForUpdate("unregister");
        try {
            int index = indexOf(registrationsPlain(), probe);
            if (index < 0) {
                throw new IllegalStateException("probe " + describe(probe) + " is not registered on " + name()
                        + " (never registered, already unregistered, or detached after repeated failures)."
                        + identityHint(probe) + " Nothing was changed.");
            }
            removeLocked(index);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for a grace period of this tracepoint's flavor: when it returns, no probe unregistered
     * from this tracepoint (or any tracepoint of the same flavor) before the call is running, and none
     * will be called again. Blocks; a blocked faultable probe delays it, but never delays regular
     * tracepoints.
     *
     * @throws IllegalStateException if called from a probe of this flavor (it would wait for itself)
     *     or from any regular probe (regular probes must not block); before waiting
     */
    public final void synchronizeUnregister() {
        refuseWaitInsideProbe(definition.flavor());
        definition.flavor().domain().synchronize();
    }

    /**
     * Refuses to wait for grace periods of {@code waitedFor} from inside a probe: a regular probe
     * must not block at all (waiting there stalls every regular grace period, and can deadlock with
     * a faultable probe doing the same the other way round), and a faultable probe would wait for
     * itself. Checked before any wait, so nothing has blocked when it throws.
     */
    static void refuseWaitInsideProbe(Flavor waitedFor) {
        if (Flavor.REGULAR.domain().inReadSection()) {
            throw new IllegalStateException("synchronizeUnregister() called from a regular probe: regular probes must"
                    + " not block, and this waits for running probes. Unregister from the probe if you must,"
                    + " and wait on another thread.");
        }
        if (waitedFor == Flavor.FAULTABLE && Flavor.FAULTABLE.domain().inReadSection()) {
            throw new IllegalStateException("synchronizeUnregister() called from a faultable probe: it would wait for"
                    + " itself. Unregister from the probe if you must, and wait on another thread.");
        }
    }

    /**
     * Sets the detach policy: a probe that throws {@code failures} times within {@code window} (any
     * period of that length: the window slides) is unregistered (with a WARNING through the logger,
     * and the {@code onLastProbe} hook if it was the last). The fast path records nothing on
     * success, so the policy counts failures in a window rather than failures in a row; failures
     * counted under an earlier policy that detaches count too. {@code failures == 0} never detaches, the default
     * (system properties {@code tracepoint4j.detachAfterFailures} and {@code
     * tracepoint4j.detachWindowMillis} change the default).
     *
     * <p>Detaching runs on a thread of the library; a consumer learns that it is over from {@link
     * #isRegistered(Object)}: once that returns false for the probe, a {@link #synchronizeUnregister()}
     * or {@link Tracepoints#synchronizeUnregister()} called afterwards returns only when the detached
     * probe is not running, and it is never called again, as after {@link #unregister(Object)}.
     *
     * @throws IllegalArgumentException if {@code failures} is negative or above 10000 (each failing
     *     probe remembers the time of as many failures), or {@code window} not positive
     */
    public final void detachAfter(int failures, Duration window) {
        setDetachPolicyVolatile(DetachPolicy.of(failures, window)); // [D] read by probeFailed
    }

    // ---- description ----

    /** The full name, {@code provider:event}. */
    public final String name() {
        return definition.name();
    }

    /** The part of the name before the colon. */
    public final String provider() {
        return definition.name().substring(0, definition.name().indexOf(':'));
    }

    /** The part of the name after the colon. */
    public final String event() {
        return definition.name().substring(definition.name().indexOf(':') + 1);
    }

    /** Whether probes may block. */
    public final Flavor flavor() {
        return definition.flavor();
    }

    /** The prototype interface. */
    public final Class<P> prototype() {
        return definition.prototype();
    }

    /** The arguments, in order, with their names and types (primitive, String, enum or byte[]). */
    public final List<Argument> arguments() {
        return definition.arguments();
    }

    /** How many probes are registered now. */
    public final int probeCount() {
        return registrationsAcquire().length; // [R]
    }

    /**
     * Whether {@code probe} (by identity) is registered now. A probe for which this returns false,
     * whoever removed it ({@link #unregister(Object)}, a detach after failures, a failed {@link
     * #register(Object, int)}), is removed as after an {@code unregister(probe)} that returned:
     * firings that begin afterwards do not call it, and once a {@link #synchronizeUnregister()} or
     * {@link Tracepoints#synchronizeUnregister()} called afterwards returns, it is not running and
     * will never be called again (unless registered again).
     *
     * <p>Memory consistency effects: every action of a call of {@code probe} made because of the
     * registration that ended happens-before the return of a {@code synchronizeUnregister()} (of this
     * tracepoint or of {@link Tracepoints}) called after this method returned false for it (in the
     * same thread, or ordered after it by happens-before).
     */
    public final boolean isRegistered(Object probe) {
        return indexOf(registrationsAcquire(), probe) >= 0; // [R]
    }

    /**
     * How many times {@code probe} threw since it was registered.
     *
     * @throws IllegalStateException if {@code probe} is not registered
     */
    public final long failures(Object probe) {
        Registration[] current = registrationsAcquire(); // [R]
        int index = indexOf(current, probe);
        if (index < 0) {
            throw new IllegalStateException(
                    "probe " + describe(probe) + " is not registered on " + name() + "." + identityHint(probe));
        }
        return current[index].failures();
    }

    /** For example {@code http:request(String method, int status, long nanos) [regular, 1 probe]}. */
    @Override
    public final String toString() {
        StringBuilder s = new StringBuilder(name()).append('(');
        List<Argument> args = arguments();
        for (int i = 0; i < args.size(); i++) {
            s.append(i == 0 ? "" : ", ").append(args.get(i));
        }
        int n = probeCount();
        return s.append(") [")
                .append(flavor().name().toLowerCase(java.util.Locale.ROOT))
                .append(", ")
                .append(n)
                .append(n == 1 ? " probe]" : " probes]")
                .toString();
    }

    /**
     * One argument of a tracepoint's prototype.
     *
     * @param name the name given at definition
     * @param type a primitive type, {@code String}, an enum or {@code byte[]}
     */
    public record Argument(String name, Class<?> type) {
        // equals and hashCode are written out: the generated ones are invokedynamic call sites

        /** Equal when name and type are. */
        @Override
        public boolean equals(Object other) {
            return other instanceof Argument that && name.equals(that.name) && type == that.type;
        }

        @Override
        public int hashCode() {
            return 31 * name.hashCode() + type.hashCode();
        }

        /** For example {@code int status}. */
        @Override
        public String toString() {
            return type.getSimpleName() + " " + name;
        }
    }

    /** The two kinds of tracepoints, which differ in what their probes may do. */
    public enum Flavor {
        /** Probes must not block; they run under classic RCU ({@code tracepoint4j-regular}). */
        REGULAR,
        /** Probes may block; they run under SRCU ({@code tracepoint4j-faultable}). */
        FAULTABLE;

        io.tracepoint4j.rcu.RcuDomain domain() {
            return this == REGULAR ? Domains.REGULAR : Domains.FAULTABLE;
        }
    }

    /**
     * Settings of a tracepoint, then {@link #define()}. The lifecycle hooks are given here so that
     * they are in place before any consumer can see the tracepoint.
     *
     * @param <P> the prototype
     */
    public static final class Builder<P> {
        private final String name;
        private final Class<P> prototype;
        private String[] argumentNames = new String[0];
        private Flavor flavor = Flavor.REGULAR;
        private Runnable onFirstProbe;
        private Runnable onLastProbe;

        Builder(String name, Class<P> prototype) {
            this.name = name;
            this.prototype = prototype;
        }

        /** The argument names, one per parameter of the prototype's method. */
        public Builder<P> arguments(String... names) {
            if (names == null) {
                throw new IllegalArgumentException("argument names are null; pass one name per parameter");
            }
            this.argumentNames = names.clone();
            return this;
        }

        /** Makes it a {@link Flavor#FAULTABLE} tracepoint: probes may block. */
        public Builder<P> faultable() {
            this.flavor = Flavor.FAULTABLE;
            return this;
        }

        /**
         * Runs {@code hook} when the tracepoint gains its first probe, before that probe is published
         * (the kernel's regfunc): e.g. to switch on costly data collection. It runs on the registering
         * thread under the tracepoint's update lock; if it throws, that registration fails and nothing
         * changes. It must not register or unregister probes of the same tracepoint.
         */
        public Builder<P> onFirstProbe(Runnable hook) {
            this.onFirstProbe = hook;
            return this;
        }

        /**
         * Runs {@code hook} when the tracepoint loses its last probe, after the probe is unpublished
         * (the kernel's unregfunc); probes may still be running in firings that began before. It runs
         * on the unregistering thread under the update lock; a throw is logged.
         */
        public Builder<P> onLastProbe(Runnable hook) {
            this.onLastProbe = hook;
            return this;
        }

        /**
         * Defines the tracepoint, or returns the existing one of that name if it has the same
         * prototype, argument names and flavor (its hooks are kept, these are ignored).
         *
         * @throws IllegalArgumentException as {@link Tracepoint#define(String, Class, String...)}
         */
        public Tracepoint<P> define() {
            return Tracepoints.REGISTRY.define(definition());
        }

        /**
         * The checked definition, for {@link Registry#define}: the JVM's registry, or a test's own.
         *
         * @throws IllegalArgumentException as {@link Tracepoint#define(String, Class, String...)}
         */
        Definition<P> definition() {
            Prototypes.checkName(name);
            Method method = Prototypes.abstractMethod(prototype);
            List<Argument> arguments = Prototypes.arguments(prototype, method, argumentNames);
            return new Definition<>(
                    name,
                    flavor,
                    prototype,
                    method,
                    arguments,
                    onFirstProbe,
                    onLastProbe,
                    new MutableCallSite(KEY_OFF),
                    new MutableCallSite(MethodType.methodType(void.class, method.getParameterTypes())));
        }
    }

    // ---- package-private: generated code and the registry ----

    /** Everything about a tracepoint that never changes. A class: see "no invokedynamic" above. */
    static final class Definition<P> {
        private final String name;
        private final Flavor flavor;
        private final Class<P> prototype;
        private final Method method;
        private final List<Argument> arguments;
        private final Runnable onFirstProbe;
        private final Runnable onLastProbe;
        private final MutableCallSite key;
        private final MutableCallSite dispatch;

        Definition(
                String name,
                Flavor flavor,
                Class<P> prototype,
                Method method,
                List<Argument> arguments,
                Runnable onFirstProbe,
                Runnable onLastProbe,
                MutableCallSite key,
                MutableCallSite dispatch) {
            this.name = name;
            this.flavor = flavor;
            this.prototype = prototype;
            this.method = method;
            this.arguments = arguments;
            this.onFirstProbe = onFirstProbe;
            this.onLastProbe = onLastProbe;
            this.key = key;
            this.dispatch = dispatch;
        }

        String name() {
            return name;
        }

        Flavor flavor() {
            return flavor;
        }

        Class<P> prototype() {
            return prototype;
        }

        Method method() {
            return method;
        }

        List<Argument> arguments() {
            return arguments;
        }

        Runnable onFirstProbe() {
            return onFirstProbe;
        }

        Runnable onLastProbe() {
            return onLastProbe;
        }

        /** The key: ()boolean, its target a constant ([K]). */
        MutableCallSite key() {
            return key;
        }

        /** The dispatch site: (args...)void, its target the probes ([SC]). */
        MutableCallSite dispatch() {
            return dispatch;
        }

        /** The type of the generated callOne$: {@code (Tracepoint, P, args...)void}. */
        MethodType callOneType() {
            return dispatch.type().insertParameterTypes(0, Tracepoint.class, prototype);
        }

        /** The type of the generated callAll$: {@code (Tracepoint, args...)void}. */
        MethodType callAllType() {
            return dispatch.type().insertParameterTypes(0, Tracepoint.class);
        }
    }

    Definition<P> definition() {
        return definition;
    }

    /** The current probe array, a P[]; called by the generated firing code. */
    final Object probesAcquire() {
        return PROBES.getAcquire(this);
    }

    /**
     * The failure path, called by the generated firing code when a probe throws. Never throws:
     * the instrumented code must not see a probe's failure. It only counts here; what it reports
     * (a log record, a detach) runs later as a {@link FailureReport}, on another thread.
     */
    final void probeFailed(Object probe, Throwable failure) {
        try {
            if (failure instanceof InterruptedException) {
                Thread.currentThread().interrupt(); // the probe swallowed it; keep the flag for the caller
            }
            long now = System.nanoTime();
            Registration[] current = registrationsAcquire(); // [R]
            int index = indexOf(current, probe);
            if (index < 0) {
                // unregistered after this firing loaded its array: report (rate-limited) without counting
                long unlogged = unregisteredFailures.admit(now, LOG_INTERVAL_NANOS);
                if (unlogged != RateLimit.SUPPRESS) {
                    FailureReports.submit(new FailureReport(probe, failure, -1, unlogged, null, null));
                }
                return;
            }
            Registration registration = current[index];
            DetachPolicy policy = detachPolicyVolatile(); // [D]
            Registration.Outcome outcome = registration.recordFailure(now, policy, LOG_INTERVAL_NANOS);
            if (outcome.log || outcome.detach) {
                FailureReports.submit(new FailureReport(
                        probe,
                        outcome.log ? failure : null,
                        outcome.failures,
                        outcome.unlogged,
                        outcome.detach ? registration : null,
                        policy));
            }
        } catch (Throwable ignored) {
            // out of memory or stack while counting: the failure stays unreported, the caller unharmed
        }
    }

    // ---- private helpers ----

    /** {@code ", 3 more<what> not logged since the last report"}, or nothing when none were skipped. */
    private static String notLogged(long unlogged, String what) {
        return unlogged > 0 ? ", " + unlogged + " more" + what + " not logged since the last report" : "";
    }

    /**
     * What probeFailed reports, run by {@link FailureReports} on its own thread, never on the
     * failing thread, which may be at its stack limit (see FailureReports for why).
     */
    private final class FailureReport implements Runnable {
        private final Object probe;
        /** What to log, or null to log nothing. */
        private final Throwable failure;
        /** The probe's failures so far, or -1 for a probe that was being unregistered. */
        private final long failures;

        private final long unlogged;
        /** The registration to detach, or null. */
        private final Registration detach;

        private final DetachPolicy policy;

        FailureReport(
                Object probe,
                Throwable failure,
                long failures,
                long unlogged,
                Registration detach,
                DetachPolicy policy) {
            this.probe = probe;
            this.failure = failure;
            this.failures = failures;
            this.unlogged = unlogged;
            this.detach = detach;
            this.policy = policy;
        }

        @Override
        public void run() {
            if (failure != null && failures < 0) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "probe " + describe(probe) + " of " + name() + " threw while being unregistered"
                                + notLogged(unlogged, " failures of unregistered probes"),
                        failure);
            } else if (failure != null) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "probe " + describe(probe) + " of " + name() + " threw " + failure + " (failure "
                                + failures + " of this probe" + notLogged(unlogged, "") + ")."
                                + " Probes must not throw; the instrumented code did not see it.",
                        failure);
            }
            if (detach != null) {
                // on a thread of its own: detaching takes updateLock and runs onLastProbe, which may block
                Thread.ofVirtual().name("tracepoint4j-detach").start(new Detach(detach, policy));
            }
        }
    }

    /** Detaches a failing probe on its own thread (no lambda: see "no invokedynamic" above). */
    private final class Detach implements Runnable {
        private final Registration registration;
        private final DetachPolicy policy;

        Detach(Registration registration, DetachPolicy policy) {
            this.registration = registration;
            this.policy = policy;
        }

        @Override
        public void run() {
            detach(registration, policy);
        }
    }

    private void detach(Registration registration, DetachPolicy policy) {
        updateLock.lock();
        try {
            // the same Registration, not just the same probe: it may have been unregistered and registered again
            Registration[] current = registrationsPlain();
            for (int i = 0; i < current.length; i++) {
                if (current[i] == registration) {
                    removeLocked(i);
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "probe " + describe(registration.probe) + " detached from "
                                    + name() + " after " + policy.failures() + " failures within " + policy.window()
                                    + " (" + registration.failures() + " in all)");
                    return;
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "detaching a failing probe from " + name() + " failed", e);
        } finally {
            updateLock.unlock();
        }
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
                definition.onLastProbe().run();
            }
        } catch (RuntimeException | Error e) {
            failure.addSuppressed(e);
        }
    }

    /** Removes registrations[index]: publish (key off on 1->0), then the hook. */
    private void removeLocked(int index) {
        Registration[] current = registrationsPlain();
        Registration removed = current[index];
        Registration[] next = new Registration[current.length - 1];
        System.arraycopy(current, 0, next, 0, index);
        System.arraycopy(current, index + 1, next, index, next.length - index);
        publish(next, probeArray(next), dispatchTarget(next));
        boolean last = next.length == 0;
        if (last && definition.onLastProbe() != null) {
            try {
                definition.onLastProbe().run();
            } catch (RuntimeException | Error e) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "onLastProbe hook of " + name() + " threw; the probe was unregistered all the same",
                        e);
            }
        }
    }

    /**
     * Makes {@code next} the registered probes: the one place that orders the writes of an update
     * ([R], [P], [SC], [K]; see the design note); updateLock held. An update adds a registration
     * (register) or removes one (unregister, detach, undoRegister); [R] shows an added probe before
     * any firing can reach it, and a removed one as gone only after no firing that begins can reach
     * it. The key is on exactly when {@code next} is non-empty.
     */
    private void publish(Registration[] next, Object nextProbes, MethodHandle nextDispatch) {
        boolean removing = next.length < registrationsPlain().length;
        if (!removing) {
            setRegistrationsRelease(next); // [R] first when adding; pairs with registrationsAcquire()
        }
        setProbesRelease(nextProbes); // [P] pairs with probesAcquire() in the generated firing code
        retarget(definition.dispatch(), nextDispatch); // [SC] after [P]
        setKey(next.length > 0); // [K] after [P] and [SC]; an unchanged key is left alone
        if (removing) {
            setRegistrationsRelease(next); // [R] last when removing; pairs with registrationsAcquire()
        }
        assert keyOn() == (next.length > 0);
    }

    /**
     * Links the generated dispatch methods; called once, by EmitterGenerator, before the tracepoint
     * is published. {@code callOne}: {@code (Tracepoint, P, args...)void}; {@code callAll}: {@code
     * (Tracepoint, args...)void}.
     */
    final void linkDispatch(MethodHandle callOne, MethodHandle callAll) {
        this.callOne = callOne;
        this.callAll = MethodHandles.insertArguments(callAll, 0, this);
        updateLock.lock();
        try {
            setDispatch(NONE);
        } finally {
            updateLock.unlock();
        }
    }

    /** Points the dispatch site at {@code next}'s probes, [SC]; updateLock held. */
    private void setDispatch(Registration[] next) {
        retarget(definition.dispatch(), dispatchTarget(next)); // [SC]
    }

    /** The probes of {@code registrations} bound in, in firing order; or the loop. */
    private MethodHandle dispatchTarget(Registration[] registrations) {
        int n = registrations.length;
        if (n == 0 || n > INLINED_PROBES) {
            return callAll;
        }
        MethodHandle chain = MethodHandles.insertArguments(callOne, 0, this, registrations[n - 1].probe);
        for (int i = n - 2; i >= 0; i--) {
            // foldArguments runs its combiner (probe i) first, then the rest of the chain
            chain = MethodHandles.foldArguments(
                    chain, MethodHandles.insertArguments(callOne, 0, this, registrations[i].probe));
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
        if (probe == this) {
            throw new IllegalArgumentException(what + "() of " + name() + " with the tracepoint itself as probe:"
                    + " firing would call itself forever. Nothing was changed.");
        }
        if (!prototype().isInstance(probe)) { // only through raw types or unchecked casts
            throw new IllegalArgumentException(what + "(" + describe(probe) + ") on " + name() + ": a "
                    + probe.getClass().getName() + " is not a " + prototype().getName() + ". Nothing was changed.");
        }
    }

    private static int indexOf(Registration[] registrations, Object probe) {
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
     * For a probe not found: probes are matched by identity, and a lambda or method reference is a
     * new object each time it is evaluated (hidden classes are what javac's lambdas become).
     */
    private static String identityHint(Object probe) {
        return probe.getClass().isHidden()
                ? " Probes are matched by identity, and a lambda or method reference is a new object each"
                        + " time it is evaluated: register(this::onRequest) then unregister(this::onRequest)"
                        + " passes two probes. Keep the probe in a field and pass that field to both."
                : "";
    }

    static String describe(Object probe) {
        if (probe == null) {
            return "null";
        }
        String text;
        try {
            text = String.valueOf(probe);
        } catch (RuntimeException e) {
            text = probe.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(probe));
        }
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    // ---- accessors ----

    private Registration[] registrationsPlain() {
        assert updateLock.isHeldByCurrentThread();
        return (Registration[]) REGISTRATIONS.get(this);
    }

    private Object probesPlain() {
        assert updateLock.isHeldByCurrentThread();
        return PROBES.get(this);
    }

    private Registration[] registrationsAcquire() {
        return (Registration[]) REGISTRATIONS.getAcquire(this);
    }

    private void setRegistrationsRelease(Registration[] value) {
        REGISTRATIONS.setRelease(this, value);
    }

    private void setProbesRelease(Object value) {
        PROBES.setRelease(this, value);
    }

    private DetachPolicy detachPolicyVolatile() {
        return detachPolicy;
    }

    private void setDetachPolicyVolatile(DetachPolicy value) {
        detachPolicy = value; // [D] pairs with detachPolicyVolatile()
    }

    private static final VarHandle PROBES;
    private static final VarHandle REGISTRATIONS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PROBES = lookup.findVarHandle(Tracepoint.class, "probes", Object.class);
            REGISTRATIONS = lookup.findVarHandle(Tracepoint.class, "registrations", Registration[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
