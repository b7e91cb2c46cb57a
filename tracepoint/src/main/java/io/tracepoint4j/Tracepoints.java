package io.tracepoint4j;

import io.tracepoint4j.Tracepoint.Definition;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The registry of every tracepoint defined in this JVM, for consumers (tracers): enumerate, look up
 * by name or glob, be told of tracepoints defined later (classes loaded later), and wait for
 * unregistered probes of every flavor.
 *
 * <pre>{@code
 * Tracepoints.addListener(tp -> {                    // existing tracepoints, then every new one
 *     if (tp.provider().equals("http")) attach(tp);
 * });
 * for (Tracepoint<?> tp : Tracepoints.find("http:*")) System.out.println(tp + " " + tp.arguments());
 * }</pre>
 *
 * <p>The registry holds its tracepoints strongly: a tracepoint stays listed for the life of the JVM,
 * also when the class that defined it is unloaded (defining it again with the same prototype returns
 * the same tracepoint).
 *
 * <p>Memory consistency effects: a tracepoint is fully built, and its lifecycle hooks set, before it
 * is visible through any method of this class or passed to a listener.
 *
 * <p>Thread safety: every method may be called from any thread; {@link #lookup(String)} is
 * lock-free, {@link #all()}, {@link #find(String)} and the listener methods hold a registry lock
 * briefly (never while a listener runs).
 */
public final class Tracepoints {
    /*
     * Overview
     *   A facade over one Registry, REGISTRY, which holds the state, the mechanism and its design
     *   note. synchronizeUnregister() is the one method of its own.
     */

    /** The JVM's registry: every tracepoint defined through the public factories. */
    static final Registry REGISTRY = new Registry(new Generated());

    /** Builds tracepoints with TracepointClassGenerator; a class, not a method reference (no invokedynamic). */
    private static final class Generated implements Registry.Factory {
        @Override
        public <P> Tracepoint<P> create(Definition<P> definition) {
            return TracepointClassGenerator.generate(definition);
        }
    }

    private Tracepoints() {}

    /**
     * Every tracepoint defined in this JVM, sorted by name: a snapshot, holding every tracepoint
     * whose definition returned before this call began and none whose definition began after it
     * returned.
     */
    public static List<Tracepoint<?>> all() {
        return REGISTRY.all();
    }

    /**
     * The tracepoint named exactly {@code name}, if defined.
     *
     * @throws IllegalArgumentException if {@code name} is null
     */
    public static Optional<Tracepoint<?>> lookup(String name) {
        return REGISTRY.lookup(name);
    }

    /**
     * The tracepoints whose name matches {@code glob}, sorted by name, from a snapshot as {@link
     * #all()}: {@code *} matches any run of characters (colons included), {@code ?} any one
     * character, everything else itself; e.g. {@code "http:*"}, {@code "*:request"}, {@code "*"}.
     *
     * @throws IllegalArgumentException if {@code glob} is null
     */
    public static List<Tracepoint<?>> find(String glob) {
        return REGISTRY.find(glob);
    }

    /**
     * Tells {@code listener} of every tracepoint defined so far (before this method returns, on this
     * thread) and of every tracepoint defined later (on the defining thread, before its
     * {@code define} returns, and before any other {@code define} of that name returns, so probes a
     * listener registers are in place for the first firing; a {@code define} called from a listener
     * returns at once, since waiting there could deadlock). Each tracepoint is told exactly once. A
     * listener should be quick: other definitions of its tracepoint wait for it; if it throws, the
     * failure is logged and ignored. The kernel's tracepoint module notifier.
     *
     * @throws IllegalArgumentException if {@code listener} is null
     * @throws IllegalStateException if {@code listener} (by identity) is already a listener; nothing
     *     changes
     */
    public static void addListener(Consumer<? super Tracepoint<?>> listener) {
        REGISTRY.addListener(listener);
    }

    /**
     * Stops telling {@code listener} (by identity) of new tracepoints. A definition running
     * concurrently may still tell it once.
     *
     * @return whether it was a listener
     */
    public static boolean removeListener(Consumer<? super Tracepoint<?>> listener) {
        return REGISTRY.removeListener(listener);
    }

    /**
     * Waits for a grace period of every flavor, faultable first: when it returns, no probe
     * unregistered (or detached) from any tracepoint before the call is running, and none will be
     * called again. The kernel's {@code tracepoint_synchronize_unregister()}. Blocks, as long as the
     * slowest faultable probe that was running.
     *
     * @throws IllegalStateException if called from a probe (a faultable one would wait for itself,
     *     and regular probes must not block); before waiting
     */
    public static void synchronizeUnregister() {
        Tracepoint.refuseWaitInsideProbe(Tracepoint.Flavor.FAULTABLE); // and REGULAR: see there
        Tracepoint.Flavor.FAULTABLE.domain().synchronize();
        Tracepoint.Flavor.REGULAR.domain().synchronize();
    }
}
