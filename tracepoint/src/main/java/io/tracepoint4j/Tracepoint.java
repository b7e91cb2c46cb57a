package io.tracepoint4j;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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
 * <p><b>Cost.</b> With no probe attached, firing a tracepoint held in a {@code static final} field
 * costs what an empty method costs: the check is a static key (a {@link MutableCallSite} whose
 * constant target the JIT folds), not a load, so there is no volatile read, no allocation and no
 * boxing. Held anywhere else (an instance field, a collection), the check is a field load and an
 * indirect call. With probes attached, firing opens a read-side
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
 * blocked probe delays only the grace periods of faultable tracepoints (unless the faultable
 * tracepoint is fired from a regular probe: then its probes run inside that regular firing's
 * section too, and the regular stall report says so). Any thread may fire any
 * tracepoint: threads the library never saw, threads that are ending, virtual threads. Probes may
 * open read-side critical sections of any RCU or SRCU domain themselves.
 *
 * <p><b>Unregistering.</b> {@link #unregister(Object)} returns at once; the probe may still be
 * running in firings that began before. {@link #synchronizeUnregister()} (this tracepoint's flavor)
 * and {@link Tracepoints#synchronizeUnregister()} (every flavor) wait until no unregistered probe is
 * running; after they return, none will be called again. Call them before freeing what a probe uses.
 *
 * <p>Memory consistency effects: actions in a thread prior to {@code register(probe)} (or {@code
 * replace(old, probe)}) happen-before every call of {@code probe} made because of that
 * registration. Every action of such a call happens-before the return of a {@code
 * synchronizeUnregister()} (of this tracepoint or of {@link Tracepoints}) called after the {@code
 * unregister(probe)} (or {@code replace(probe, other)}) that ended the registration returned (in
 * the same thread, or ordered after it by happens-before).
 *
 * <p>Thread safety: every method may be called from any thread. Firing is wait-free while disabled
 * and, while enabled, wait-free apart from the probes themselves (the first firing on a thread
 * registers it with the RCU domain); register, unregister and replace are blocking (one lock per
 * tracepoint) and never wait for a grace period.
 *
 * @param <P> the prototype: a public interface with exactly one abstract method, returning void
 */
public abstract class Tracepoint<P> {
    /*
     * Overview
     *   Each tracepoint is an instance of the hidden class TracepointClassGenerator writes for its
     *   prototype: the class extends Tracepoint<P> and implements P, so fire() returns `this` and
     *   the P method is the firing code. From a static final field C2 sees a constant receiver and
     *   inlines both. The generated code reads a trusted final invoker of `key` (a MutableCallSite
     *   whose target is constant(false) or constant(true)); C2 folds it, and setTarget deoptimizes
     *   dependent code.
     *   When the key is on, the generated code opens a read-side section of the flavor's domain,
     *   calls the target of `dispatch`, and ends the section. `probes` is the P[] of the
     *   registered probes in firing order, kept by the update side (ProbeUpdates).
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
     *   Firings take no lock. The update side (register, unregister, detach) lives in ProbeUpdates,
     *   whose design note argues the order of an update's writes; the failure path (a probe that
     *   throws) in ProbeFailures. This class keeps the user's contract and what the firing code
     *   reads.
     *
     * Memory ordering
     *   [P] probes: setProbesRelease(), called by ProbeUpdates.publish() under its lock, pairs with
     *       probesAcquire() in the generated firing code (message passing): a firing that loads the
     *       new array sees it and every probe in it fully built, with everything the registering
     *       thread did before. The key and the dispatch site are re-targeted after it ([K], [SC]
     *       in ProbeUpdates).
     *   [N] firingsTooDeep: getAndAdd by firedTooDeep(), read opaque by firingsTooDeep(); a
     *       counter, ordering nothing.
     *   [R] ProbeUpdates [R]: the registrations, read by probeCount(), isRegistered() and
     *       failures() with the acquire load ProbeUpdates.registrationsAcquire().
     *
     * Failure modes
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

    /**
     * The deepest firing that calls probes: a probe may fire tracepoints (a probe that logs, a
     * library called from a probe), whose probes may fire more, on the same thread; a firing nested
     * deeper than this, among the firings of its flavor in progress on the thread, calls no probe
     * and is counted in {@link #firingsTooDeep()} (and by writer probes' writers, see {@link
     * ArgumentWriter#firingTooDeep()}). Recursion through probes ends there, never in a stack
     * overflow.
     */
    public static final int MAX_FIRING_DEPTH = 16;

    /** The library's logger, looked up at its first use: the lookup starts a logging backend (~10 ms). */
    static System.Logger log() {
        return LoggerHolder.LOGGER;
    }

    private static final class LoggerHolder {
        static final System.Logger LOGGER = System.getLogger("io.tracepoint4j");
    }

    private final Definition<P> definition;
    /** See {@link #id()}. */
    private final long id;

    @SuppressWarnings("unused") // accessed through PROBES
    private Object probes; // [P] a P[] in firing order, never null

    @SuppressWarnings("unused") // accessed through FIRINGS_TOO_DEEP
    private long firingsTooDeep; // [N] a counter

    /** The update side: register, unregister, detach. */
    private final ProbeUpdates<P> updates;
    /** The failure path: what happens when a probe throws. */
    private final ProbeFailures failures;

    /**
     * Only generated subclasses, written by {@link TracepointClassGenerator}, whose constructor
     * passes the handles of its own callOne$ ({@code (Tracepoint, P, args...)void}) and callAll$
     * ({@code (Tracepoint, args...)void}): the whole set-up happens here, before the registry
     * publishes the tracepoint. Protected only because a generated class may live in its
     * prototype's package, in another class loader; nobody else can make a Definition.
     *
     * @hidden
     */
    // exports: Definition is not exported on purpose, only generated classes call this; this-escape:
    // they set their own fields before calling this, so nothing of theirs is read before it is set
    @SuppressWarnings({"exports", "this-escape"})
    protected Tracepoint(Definition<P> definition, MethodHandle callOne, MethodHandle callAll) {
        this.definition = definition;
        this.id = Registry.nextId();
        this.probes = Array.newInstance(definition.prototype(), 0);
        this.updates = new ProbeUpdates<>(this, definition, callOne, callAll);
        this.failures = new ProbeFailures(definition.name(), updates);
    }

    // ---- factories ----

    /**
     * Defines a {@link Flavor#REGULAR} tracepoint, or returns the one already defined under this
     * name with the same prototype, argument names and flavor (a class initialized again, e.g. in
     * another class loader that shares the prototype, gets the existing tracepoint). A prototype of
     * the same name in another class loader (a redeployed application) gets a tracepoint of its
     * own: see {@link Tracepoints} for their life cycle. Listeners of {@link Tracepoints} are told
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
     *     names are invalid, or the name is defined with another prototype, argument names, flavor
     *     or event time
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
        updates.register(probe, priority);
    }

    /**
     * A new probe of this tracepoint's prototype that hands each firing's arguments, typed and in
     * order, to {@code writer}: for consumers that do not know the prototype at compile time (see
     * {@link ArgumentWriter}). It is not registered; register and unregister it like any probe. With
     * a {@code Tracepoint<?>} found in the registry, a generic method names the prototype:
     *
     * <pre>{@code
     * static <P> P attach(Tracepoint<P> tracepoint, ArgumentWriter writer) {
     *     P probe = tracepoint.writerProbe(writer);
     *     tracepoint.register(probe);
     *     return probe;                    // for unregister(probe)
     * }
     * }</pre>
     *
     * <p>The probe's class is generated once per prototype; its {@code toString()} is the writer's.
     *
     * @throws IllegalArgumentException if {@code writer} is null
     */
    public final P writerProbe(ArgumentWriter writer) {
        if (writer == null) {
            throw new IllegalArgumentException("writer is null; pass the ArgumentWriter that receives the arguments");
        }
        return GeneratedProbes.writerProbe(definition, writer);
    }

    /**
     * A new probe of this tracepoint's prototype that runs {@code probe}, with the same arguments,
     * on the firings whose arguments {@code filter} accepts (see {@link ArgumentFilter}): for
     * filters that do not know the prototype at compile time, such as a tracer's. It is not
     * registered, and {@code probe} is not either: register the filtered probe in its place. Its
     * class is generated once per prototype; its {@code toString()} is the filter's. A writer probe
     * guarded by a filter is still told of firings nested too deep ({@link
     * ArgumentWriter#firingTooDeep()}): they are not filtered, since their arguments never reach a
     * probe.
     *
     * @throws IllegalArgumentException if {@code filter} or {@code probe} is null, or {@code probe}
     *     is not of this tracepoint's prototype
     */
    public final P filteredProbe(ArgumentFilter filter, P probe) {
        if (filter == null) {
            throw new IllegalArgumentException(
                    "filter is null; pass the ArgumentFilter that decides which firings run the probe");
        }
        if (!definition.prototype().isInstance(probe)) {
            throw new IllegalArgumentException("probe " + probe + " is not a "
                    + definition.prototype().getName() + ", the prototype of tracepoint " + name());
        }
        return GeneratedProbes.filteredProbe(definition, filter, probe);
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
        updates.unregister(probe);
    }

    /**
     * Unregisters {@code probe} if it is registered here, and says whether it was: for a consumer
     * whose probe the tracepoint may have detached meanwhile (after failures, {@link #detachAfter})
     * or dropped ({@link Tracepoints#forget}). Otherwise as {@link #unregister(Object)}; checking
     * {@link #isRegistered(Object)} first would race with those. Takes any object, as {@code
     * isRegistered} does, so that a consumer holding a {@code Tracepoint<?>} needs no cast.
     *
     * @throws IllegalArgumentException if {@code probe} is null or not an implementation of the
     *     prototype
     */
    public final boolean unregisterIfRegistered(Object probe) {
        return updates.unregisterIfRegistered(probe);
    }

    /**
     * Puts {@code replacement} in the place of {@code probe}, at its priority, in one update: a
     * firing calls one or the other, never both and never neither, so a consumer changing its
     * probe (a tracer whose filter changed) loses and doubles no firing. Firings that begin after
     * this returns call {@code replacement}; firings already running may still be inside {@code
     * probe}, which {@link #synchronizeUnregister()} waits for, as after {@link #unregister}. The
     * lifecycle hooks do not run; while it runs, {@link #isRegistered} and {@link #probeCount()}
     * show both probes, since a firing may reach either. Takes any object as {@code probe}, as
     * {@link #unregisterIfRegistered(Object)} does. If the update fails (the static call cannot be
     * retargeted), {@code probe} stays in place and the exception propagates.
     *
     * @return whether {@code probe} was registered here (detached after failures or dropped with
     *     its class loader, it is not: then nothing changes and {@code replacement} is not
     *     registered)
     * @throws IllegalArgumentException if either is null, this tracepoint itself, or not an
     *     implementation of the prototype
     * @throws IllegalStateException if {@code replacement} is already registered here (and is not
     *     {@code probe}), or if called from this tracepoint's own lifecycle hook; nothing changes
     */
    public final boolean replace(Object probe, P replacement) {
        return updates.replace(probe, replacement);
    }

    /**
     * Waits for a grace period of this tracepoint's flavor: when it returns, no probe unregistered
     * from this tracepoint (or any tracepoint of the same flavor) before the call is running, and none
     * will be called again. Blocks; a blocked faultable probe delays it, but never delays regular
     * tracepoints (unless fired from a regular probe: see "Flavors" above).
     *
     * @throws IllegalStateException if called from a probe of this flavor (it would wait for itself),
     *     from any regular probe (regular probes must not block), or from a lifecycle hook (see
     *     {@link Builder#onLastProbe}); before waiting
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
        if (ProbeUpdates.inHook()) {
            throw new IllegalStateException("synchronizeUnregister() called from an onFirstProbe or onLastProbe hook:"
                    + " hooks run under the tracepoint's update lock, which a running probe may need (one that"
                    + " unregisters itself), so waiting there could deadlock. Wait after unregister() returns, on"
                    + " the thread that unregistered.");
        }
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
        this.failures.detachAfter(DetachPolicy.of(failures, window));
    }

    // ---- description ----

    /**
     * This tracepoint's number, unique in this JVM and never reused: it tells apart tracepoints
     * of one name defined in different class loaders (a redeployed application), and it is what
     * a {@link Tracepoints.Listener} is told when the tracepoint goes away.
     */
    public final long id() {
        return id;
    }

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

    /**
     * The argument that carries the time the event happened ({@link Builder#eventTime(String)}),
     * if the tracepoint declares one; recorders place its records at that time.
     */
    public final Optional<Argument> eventTime() {
        int index = definition.eventTimeIndex();
        return index < 0 ? Optional.empty() : Optional.of(definition.arguments().get(index));
    }

    /** How many probes are registered now. */
    public final int probeCount() {
        return updates.registrationsAcquire().length; // [R]
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
        return ProbeUpdates.indexOf(updates.registrationsAcquire(), probe) >= 0; // [R]
    }

    /**
     * How many times {@code probe} threw since it was registered.
     *
     * @throws IllegalStateException if {@code probe} is not registered
     */
    public final long failures(Object probe) {
        Registration[] current = updates.registrationsAcquire(); // [R]
        int index = ProbeUpdates.indexOf(current, probe);
        if (index < 0) {
            throw new IllegalStateException(ProbeUpdates.notRegistered(probe, name()));
        }
        return current[index].failures();
    }

    /**
     * Firings of this tracepoint that called no probe because they were nested deeper than {@link
     * #MAX_FIRING_DEPTH}, since it was defined.
     */
    public final long firingsTooDeep() {
        return (long) FIRINGS_TOO_DEEP.getOpaque(this); // [N]
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
            return this == REGULAR ? Domains.regular() : Domains.faultable();
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
        private String eventTime;

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
         * Declares the {@code long} argument {@code argumentName} to be the time the event happened,
         * in nanoseconds since the Unix epoch (the wall clock), for events reported after they
         * happened: the JVM's, which JFR hands over in batches a second late, or a server's log
         * line read back. Consumers that keep time, such as a tracer session, place the record at
         * that time instead of the firing's ({@link ArgumentWriter#begin(int, long)}); the argument
         * is passed to probes as usual. Give a time at or before the firing, and, from one thread,
         * in increasing order: a recorder keeps each thread's records in time order, so a record
         * earlier than that thread's previous one is placed at the previous one's time.
         *
         * @throws IllegalArgumentException if the name is null; at {@link #define()}, if the
         *     prototype has no {@code long} argument of that name
         */
        public Builder<P> eventTime(String argumentName) {
            if (argumentName == null) {
                throw new IllegalArgumentException("event time is null: name the long argument that holds it");
            }
            this.eventTime = argumentName;
            return this;
        }

        /**
         * Runs {@code hook} when the tracepoint gains its first probe, before that probe is published
         * (the kernel's regfunc): e.g. to switch on costly data collection. It runs on the registering
         * thread under the tracepoint's update lock; if it throws, that registration fails and nothing
         * changes. It must not register or unregister probes of the same tracepoint, nor wait for a
         * grace period ({@code synchronizeUnregister()} throws there, as in {@link #onLastProbe}).
         */
        public Builder<P> onFirstProbe(Runnable hook) {
            this.onFirstProbe = hook;
            return this;
        }

        /**
         * Runs {@code hook} when the tracepoint loses its last probe, after the probe is unpublished
         * (the kernel's unregfunc); probes may still be running in firings that began before. It runs
         * on the unregistering thread under the update lock; a throw is logged. It must not wait for
         * those probes ({@code synchronizeUnregister()} throws there: a running probe that
         * unregisters itself needs the lock the hook holds): to free what they use, wait after
         * {@code unregister()} returns.
         */
        public Builder<P> onLastProbe(Runnable hook) {
            this.onLastProbe = hook;
            return this;
        }

        /**
         * Defines the tracepoint, or returns the existing one of that name if it has the same
         * prototype, argument names, flavor and event time (its hooks are kept, these are ignored).
         * So the hooks of a tracepoint whose prototype lives in a loader shared by plugins are the
         * first definer's for that loader's life, and hold the first definer's classes: give each
         * plugin's hooked tracepoints a prototype of its own. In a JVM the {@code tp} tool started ({@code tp record -- java ...}), the first define
         * then waits until the tool has attached, at most 10 s, where the tool cannot need what
         * this thread holds ({@link io.tracepoint4j.control.StartGate}); elsewhere it never waits.
         *
         * @throws IllegalArgumentException as {@link Tracepoint#define(String, Class, String...)}
         */
        public Tracepoint<P> define() {
            Tracepoint<P> defined = Tracepoints.REGISTRY.define(definition());
            io.tracepoint4j.control.StartGate.awaitTool( // a command tp started waits for it here, once
                    defined, onFirstProbe != null || onLastProbe != null);
            return defined;
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
                    eventTimeIndex(arguments),
                    onFirstProbe,
                    onLastProbe,
                    new MutableCallSite(ProbeUpdates.KEY_OFF),
                    new MutableCallSite(MethodType.methodType(void.class, method.getParameterTypes())));
        }

        /** The index of the event-time argument among {@code arguments}, or -1 if none is declared. */
        private int eventTimeIndex(List<Argument> arguments) {
            if (eventTime == null) {
                return -1;
            }
            for (int i = 0; i < arguments.size(); i++) {
                if (arguments.get(i).name().equals(eventTime)) {
                    if (arguments.get(i).type() != long.class) {
                        throw new IllegalArgumentException("tracepoint " + name + ": its event time, argument "
                                + arguments.get(i) + ", must be a long (nanoseconds since the Unix epoch)");
                    }
                    return i;
                }
            }
            throw new IllegalArgumentException("tracepoint " + name + " has no argument " + eventTime
                    + " to be its event time; its arguments are " + Prototypes.describe(arguments));
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
        private final int eventTimeIndex;
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
                int eventTimeIndex,
                Runnable onFirstProbe,
                Runnable onLastProbe,
                MutableCallSite key,
                MutableCallSite dispatch) {
            this.name = name;
            this.flavor = flavor;
            this.prototype = prototype;
            this.method = method;
            this.arguments = arguments;
            this.eventTimeIndex = eventTimeIndex;
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

        /** The index of the argument declared as the event time, or -1. */
        int eventTimeIndex() {
            return eventTimeIndex;
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
    }

    Definition<P> definition() {
        return definition;
    }

    /** The registrations now, in firing order ([R], an acquire load); for diagnostics. */
    final Registration[] registrations() {
        return updates.registrationsAcquire(); // [R]
    }

    /** The current probe array, a P[]; called by the generated firing code. */
    final Object probesAcquire() {
        return PROBES.getAcquire(this);
    }

    /**
     * Called by the generated firing code instead of the probes when the firing is nested deeper
     * than MAX_FIRING_DEPTH: counts it, and tells the writers of the writer probes registered now.
     * Never throws: a writer's failure is the probe's (ProbeFailures).
     */
    final void firedTooDeep() {
        FIRINGS_TOO_DEEP.getAndAdd(this, 1L); // [N]
        Object[] current = (Object[]) probesAcquire(); // [P]
        for (Object probe : current) {
            ArgumentWriter writer = GeneratedProbes.writerOf(definition, probe);
            if (writer != null) {
                try {
                    writer.firingTooDeep();
                } catch (Throwable t) {
                    probeFailed(probe, t);
                }
            }
        }
    }

    /**
     * Called by the generated firing code when a probe throws; never throws (see ProbeFailures).
     */
    final void probeFailed(Object probe, Throwable failure) {
        failures.probeFailed(probe, failure);
    }

    /** Unregisters every probe and refuses new ones: the registry forgot this tracepoint. */
    final void forget() {
        updates.forget();
    }

    /** Whether the registry forgot this tracepoint (forget()). */
    final boolean forgotten() {
        return updates.forgotten();
    }

    /** A probe for messages: its toString(), cut to 200 characters, or its class and identity if that throws. */
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

    /** The probe array; for the update side, under its lock. */
    Object probesPlain() {
        return PROBES.get(this);
    }

    /** Publishes a new probe array, [P]; by ProbeUpdates.publish() only. */
    void setProbesRelease(Object value) {
        PROBES.setRelease(this, value); // [P] pairs with probesAcquire() in the generated firing code
    }

    private static final VarHandle PROBES;
    private static final VarHandle FIRINGS_TOO_DEEP;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PROBES = lookup.findVarHandle(Tracepoint.class, "probes", Object.class);
            FIRINGS_TOO_DEEP = lookup.findVarHandle(Tracepoint.class, "firingsTooDeep", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
