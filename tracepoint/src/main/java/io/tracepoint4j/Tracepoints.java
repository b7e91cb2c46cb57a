package io.tracepoint4j;

import io.tracepoint4j.Tracepoint.Definition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * <p>Thread safety: every method may be called from any thread; lookups are lock-free.
 */
public final class Tracepoints {
    /*
     * Overview
     *   BY_NAME maps each name to its one tracepoint. define() generates the tracepoint's class
     *   outside any lock (a concurrent define of the same name wastes one hidden class, which is
     *   then unloaded), then inserts it under LOCK if the name is still free.
     *
     * Concurrency
     *   LOCK orders definitions against addListener(): define inserts and snapshots the listeners
     *   under LOCK; addListener adds the listener and snapshots the tracepoints under LOCK. So for each
     *   (listener, tracepoint) pair exactly one of the two delivers: no tracepoint is missed or told
     *   twice. Delivery runs outside LOCK, on the defining (or adding) thread.
     *
     * Memory ordering
     *   No raw ordered access: ConcurrentHashMap publishes tracepoints (a put happens-before a get
     *   that sees it), CopyOnWriteArrayList publishes listeners, LOCK orders the two.
     *
     * Lock order
     *   LOCK is a leaf: no user code (listener, hook, probe) runs while it is held.
     *
     * Failure modes
     *   A listener that throws is logged and does not stop the definition or the other listeners.
     */

    private static final Object LOCK = new Object();
    private static final ConcurrentHashMap<String, Tracepoint<?>> BY_NAME = new ConcurrentHashMap<>();
    private static final CopyOnWriteArrayList<Consumer<? super Tracepoint<?>>> LISTENERS = new CopyOnWriteArrayList<>();

    private Tracepoints() {}

    /** Every tracepoint defined in this JVM, sorted by name. */
    public static List<Tracepoint<?>> all() {
        List<Tracepoint<?>> all = new ArrayList<>(BY_NAME.values());
        all.sort(Comparator.comparing(Tracepoint::name));
        return List.copyOf(all);
    }

    /**
     * The tracepoint named exactly {@code name}, if defined.
     *
     * @throws IllegalArgumentException if {@code name} is null
     */
    public static Optional<Tracepoint<?>> lookup(String name) {
        if (name == null) {
            throw new IllegalArgumentException("lookup(null): pass a tracepoint name, e.g. \"http:request\"");
        }
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /**
     * The tracepoints whose name matches {@code glob}, sorted by name: {@code *} matches any run of
     * characters (colons included), {@code ?} any one character, everything else itself; e.g.
     * {@code "http:*"}, {@code "*:request"}, {@code "*"}.
     *
     * @throws IllegalArgumentException if {@code glob} is null
     */
    public static List<Tracepoint<?>> find(String glob) {
        if (glob == null) {
            throw new IllegalArgumentException("find(null): pass a glob, e.g. \"http:*\"");
        }
        List<Tracepoint<?>> found = new ArrayList<>();
        for (Tracepoint<?> tracepoint : all()) {
            if (matches(glob, tracepoint.name())) {
                found.add(tracepoint);
            }
        }
        return List.copyOf(found);
    }

    /**
     * Tells {@code listener} of every tracepoint defined so far (before this method returns, on this
     * thread) and of every tracepoint defined later (on the defining thread, before its
     * {@code define} returns, so probes a listener registers are in place for the first firing). Each
     * tracepoint is told exactly once. A listener should be quick; if it throws, the failure is
     * logged and ignored. The kernel's tracepoint module notifier.
     *
     * @throws IllegalArgumentException if {@code listener} is null
     */
    public static void addListener(Consumer<? super Tracepoint<?>> listener) {
        if (listener == null) {
            throw new IllegalArgumentException("addListener(null): pass a Consumer<Tracepoint<?>>");
        }
        List<Tracepoint<?>> existing;
        synchronized (LOCK) {
            LISTENERS.add(listener);
            existing = all();
        }
        for (Tracepoint<?> tracepoint : existing) {
            tell(listener, tracepoint);
        }
    }

    /**
     * Stops telling {@code listener} (by identity) of new tracepoints. A definition running
     * concurrently may still tell it once.
     *
     * @return whether it was a listener
     */
    public static boolean removeListener(Consumer<? super Tracepoint<?>> listener) {
        synchronized (LOCK) {
            return LISTENERS.removeIf(l -> l == listener);
        }
    }

    /**
     * Waits for a grace period of every flavor, faultable first: when it returns, no probe
     * unregistered (or detached) from any tracepoint before the call is running, and none will be
     * called again. The kernel's {@code tracepoint_synchronize_unregister()}. Blocks, as long as the
     * slowest faultable probe that was running.
     *
     * @throws IllegalStateException if called from a probe (it would wait for itself)
     */
    public static void synchronizeUnregister() {
        Tracepoint.Flavor.FAULTABLE.domain().synchronize();
        Tracepoint.Flavor.REGULAR.domain().synchronize();
    }

    // ---- package-private ----

    /** Defines the tracepoint of {@code definition}, or returns the compatible one already defined. */
    static <P> Tracepoint<P> define(Definition<P> definition) {
        Tracepoint<?> existing = BY_NAME.get(definition.name());
        if (existing != null) {
            return compatible(existing, definition);
        }
        Tracepoint<P> created = EmitterGenerator.generate(definition);
        List<Consumer<? super Tracepoint<?>>> listeners;
        synchronized (LOCK) {
            existing = BY_NAME.putIfAbsent(definition.name(), created);
            if (existing != null) {
                return compatible(existing, definition);
            }
            listeners = List.copyOf(LISTENERS);
        }
        for (Consumer<? super Tracepoint<?>> listener : listeners) {
            tell(listener, created);
        }
        return created;
    }

    /** Glob match, {@code *} and {@code ?}, with backtracking to the last star. */
    static boolean matches(String glob, String name) {
        int g = 0;
        int n = 0;
        int star = -1;
        int resume = 0;
        while (n < name.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == name.charAt(n))) {
                g++;
                n++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                resume = n;
            } else if (star >= 0) {
                g = star + 1;
                n = ++resume;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    // ---- private helpers ----

    @SuppressWarnings("unchecked")
    private static <P> Tracepoint<P> compatible(Tracepoint<?> existing, Definition<P> wanted) {
        Definition<?> have = existing.definition();
        if (have.prototype() == wanted.prototype()
                && have.flavor() == wanted.flavor()
                && have.arguments().equals(wanted.arguments())) {
            return (Tracepoint<P>) existing;
        }
        throw new IllegalArgumentException("tracepoint " + wanted.name() + " is already defined as "
                + describe(have) + "; it cannot be defined again as " + describe(wanted)
                + ". A name has one prototype: use another name, or the same prototype, argument names and flavor");
    }

    private static String describe(Definition<?> definition) {
        return definition.name() + Prototypes.describe(definition.arguments()) + " ["
                + definition.flavor().name().toLowerCase(java.util.Locale.ROOT) + ", prototype "
                + definition.prototype().getName() + " of "
                + definition.prototype().getClassLoader() + "]";
    }

    private static void tell(Consumer<? super Tracepoint<?>> listener, Tracepoint<?> tracepoint) {
        try {
            listener.accept(tracepoint);
        } catch (RuntimeException | Error e) {
            Tracepoint.LOG.log(
                    System.Logger.Level.WARNING,
                    "tracepoint listener " + listener + " threw on " + tracepoint.name() + "; ignored",
                    e);
        }
    }
}
