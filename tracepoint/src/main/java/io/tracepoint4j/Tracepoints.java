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
 * <p>Life cycle: a tracepoint whose prototype tracepoint4j's class loader sees stays listed for the
 * life of the JVM (defining it again with the same prototype returns the same tracepoint). One whose
 * prototype lives in a class loader below tracepoint4j's (a plugin, a web application) is listed
 * as long as that loader lives (its prototype's class keeps it): the registry never keeps the
 * loader alive. When it becomes unreachable, or when the application calls {@link #forget(ClassLoader)},
 * it leaves the registry and {@link Listener}s are told. A name may then be defined again by the
 * next loader (a redeployed application); while two loaders' tracepoints of one name are alive,
 * both are listed, and {@link #lookup(String)} returns the newer.
 *
 * <p>What a consumer must do to let a loader go: hold no strong reference to its tracepoints (keep
 * their {@link Tracepoint#id()}, or a {@code WeakReference}), and no probe that holds one, outside
 * the tracepoint itself (a tracepoint's probes do not keep it alive); drop what it keeps per
 * tracepoint in {@link Listener#removed}.
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

    /**
     * The system property that tells tools this JVM has tracepoint4j ({@code ./tp jvms} reads it
     * through the Attach API, which starts nothing in the JVM): set, to {@link #version()}, when the
     * first tracepoint is defined.
     */
    public static final String VERSION_PROPERTY = "io.tracepoint4j.version";

    static {
        System.setProperty(VERSION_PROPERTY, version());
    }

    /** The version of this module ({@code io.tracepoint4j}) from its descriptor or jar manifest, else "unknown". */
    public static String version() {
        java.lang.module.ModuleDescriptor descriptor =
                Tracepoints.class.getModule().getDescriptor();
        if (descriptor != null && descriptor.version().isPresent()) {
            return descriptor.version().get().toString();
        }
        String manifest = Tracepoints.class.getPackage().getImplementationVersion();
        return manifest != null ? manifest : "unknown";
    }

    /** Builds tracepoints with TracepointClassGenerator; a class, not a method reference (no invokedynamic). */
    private static final class Generated implements Registry.Factory {
        @Override
        public <P> Tracepoint<P> create(Definition<P> definition) {
            return TracepointClassGenerator.generate(definition);
        }
    }

    private Tracepoints() {}

    /**
     * Every tracepoint defined in this JVM, sorted by name (then {@link Tracepoint#id()}): a snapshot, holding every tracepoint
     * whose definition returned before this call began and none whose definition began after it
     * returned.
     */
    public static List<Tracepoint<?>> all() {
        return REGISTRY.all();
    }

    /**
     * The tracepoint named exactly {@code name}, if defined; of two alive in different class
     * loaders (a redeploy in progress), the newer.
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
     * Refuses a glob that no tracepoint name can match, so that a consumer's rule is not silently
     * empty forever: null or empty, a character no name holds ({@code provider:event}, letters,
     * digits and {@code _}; a glob adds {@code *} and {@code ?}), such as the comma of {@code
     * "web:*,db:*"} (one glob each) or a {@code [} (no character classes), no {@code :} where
     * nothing else could stand for it, or, without {@code *}, too few characters for {@code
     * provider:event} (as {@code "?"}). Sessions and the bridges check their globs with it.
     *
     * @return {@code glob}
     * @throws IllegalArgumentException saying why it matches nothing
     */
    public static String checkGlob(String glob) {
        if (glob == null || glob.isEmpty()) {
            throw new IllegalArgumentException("a glob is a tracepoint name or a pattern of names, e.g. \"web:*\"; got "
                    + (glob == null ? "null" : "\"\""));
        }
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            boolean nameChar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            if (!nameChar && c != ':' && c != '*' && c != '?') {
                throw new IllegalArgumentException("glob \"" + glob + "\" matches no tracepoint: '" + c + "' is in no"
                        + " name (provider:event, letters, digits and _; a glob adds * and ?)"
                        + (c == ',' ? "; give each glob on its own" : ""));
            }
        }
        int colon = glob.indexOf(':');
        if (colon < 0 && glob.indexOf('*') < 0 && glob.indexOf('?') < 0) {
            throw new IllegalArgumentException("glob \"" + glob + "\" matches no tracepoint: a name is provider:event,"
                    + " e.g. \"" + glob + ":*\" or \"*:" + glob + "\"");
        }
        if (colon >= 0 && (colon == 0 || colon == glob.length() - 1 || glob.indexOf(':', colon + 1) >= 0)) {
            throw new IllegalArgumentException("glob \"" + glob + "\" matches no tracepoint: a name is provider:event,"
                    + " one ':' between two parts, neither empty (\"*\" stands for any part)");
        }
        if (glob.indexOf('*') < 0 && (colon < 0 ? glob.lastIndexOf('?', glob.length() - 2) < 1 : glob.length() < 3)) {
            throw new IllegalArgumentException("glob \"" + glob + "\" matches no tracepoint: without '*' it matches"
                    + " names of its own length, and a name is provider:event, one ':' between two parts, neither"
                    + " empty (\"*\" stands for any part)");
        }
        return glob;
    }

    /**
     * Whether {@code name} matches {@code glob}, as {@link #find(String)} matches: for consumers that
     * select tracepoints by glob as the listener tells them of new ones.
     *
     * @throws IllegalArgumentException if {@code glob} or {@code name} is null
     */
    public static boolean matches(String glob, String name) {
        if (glob == null || name == null) {
            throw new IllegalArgumentException("matches(" + glob + ", " + name + "): pass a glob and a name");
        }
        return Registry.matches(glob, name);
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
     * As {@link #addListener(Consumer)} for {@link Listener#added}, and also tells {@code listener}
     * when a tracepoint leaves the registry ({@link Listener#removed}).
     *
     * @throws IllegalArgumentException if {@code listener} is null
     * @throws IllegalStateException if {@code listener} (by identity) is already a listener; nothing
     *     changes
     */
    public static void addListener(Listener listener) {
        REGISTRY.addListener(listener);
    }

    /** See {@link #removeListener(Consumer)}. */
    public static boolean removeListener(Listener listener) {
        return REGISTRY.removeListener(listener);
    }

    /**
     * Told of tracepoints as they come and as they go: the kernel's MODULE_STATE_COMING and
     * MODULE_STATE_GOING notifications of tracepoints.
     */
    public interface Listener {
        /** A tracepoint was defined: as the Consumer of {@link #addListener(Consumer)}. */
        void added(Tracepoint<?> tracepoint);

        /**
         * The tracepoint {@code name} numbered {@code id} ({@link Tracepoint#id()}) left the
         * registry: its class loader went away (the tracepoint object is then gone too, hence its
         * id) or {@link #forget(ClassLoader)} dropped it. Its probes are treated as unregistered:
         * none is called again, and after a {@link #synchronizeUnregister()} none is running. Told
         * once, only to a listener told of its addition (in a rare race with {@link
         * #addListener(Listener)}, before that), on the thread that called forget or on
         * tracepoint4j's reaper thread.
         */
        void removed(String name, long id);
    }

    /**
     * Drops the tracepoints whose prototypes {@code loader} defined, for an application or plugin
     * that is tearing down: unregisters their probes (and refuses new ones), removes them from the
     * registry and tells the {@link Listener}s, before returning. Without it they go when the
     * loader becomes unreachable.
     *
     * @return how many tracepoints were dropped
     * @throws IllegalArgumentException if {@code loader} is null (the bootstrap loader)
     */
    public static int forget(ClassLoader loader) {
        return REGISTRY.forget(loader);
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
