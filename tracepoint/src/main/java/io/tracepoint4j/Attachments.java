package io.tracepoint4j;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writer probes kept attached to the tracepoints a consumer chooses, those defined now and those
 * defined later, until {@link #close()}: the life cycle a bridge or a counter needs around {@link
 * Tracepoint#writerProbe(ArgumentWriter)}, written once.
 *
 * <pre>{@code
 * Attachments attached = Attachments.start(tracepoint ->
 *         Tracepoints.matches("web:*", tracepoint.name()) ? List.of(new MyWriter(tracepoint)) : List.of());
 * ...
 * attached.close();   // every probe detached, and none running, when it returns
 * }</pre>
 *
 * <p>The chooser is asked once per tracepoint (on the thread that starts the attachments for the
 * tracepoints defined so far, then on each defining thread, before its {@code define} returns, so
 * the probes are in place for the first firing) and returns the writers to attach, none to leave it
 * alone. A tracepoint whose class loader goes away (a plugin unloaded, {@link
 * Tracepoints#forget(ClassLoader)}) is dropped with its probes: the attachments hold it, and the
 * probes generated beside its prototype, weakly, so they never keep a loader alive.
 *
 * <p>Thread safety: the methods may be called from any thread. The chooser and the attaching run
 * under this object's lock (taken before the tracepoint's own update lock, never after).
 */
public final class Attachments implements AutoCloseable {
    /** Picks the writers to attach to a tracepoint. */
    @FunctionalInterface
    public interface Chooser {
        /**
         * The writers to attach to {@code tracepoint}, each as a writer probe of its own; empty to
         * leave it alone. Should be quick: a definition of the tracepoint waits for it.
         */
        List<? extends ArgumentWriter> writers(Tracepoint<?> tracepoint);

        /**
         * The probe registered on {@code tracepoint} for {@code writer}, one of the writers {@link
         * #writers} returned for it: by default its {@link Tracepoint#writerProbe writer probe}. A
         * consumer may put a probe of its own in front, such as a {@link Tracepoint#filteredProbe
         * filtered probe} around the writer probe. Held weakly, as the writer probe is.
         */
        default <P> P probe(Tracepoint<P> tracepoint, ArgumentWriter writer) {
            return tracepoint.writerProbe(writer);
        }

        /**
         * Told, under the lock, once every writer {@link #writers} returned for {@code tracepoint}
         * is registered there: from now on firings reach them. A consumer that counts or lists
         * what it attached does so here, not in {@code writers}, which may still fail. Default:
         * nothing.
         */
        default void attached(Tracepoint<?> tracepoint, List<? extends ArgumentWriter> writers) {}

        /**
         * Told, under the lock, that the writers {@link #writers} returned for {@code tracepoint}
         * could not all be registered (the tracepoint's {@code onFirstProbe} hook threw, say): none
         * is attached. Not told of a tracepoint forgotten as it was attached (its class loader
         * going away): listeners hear of that as its removal. Return true if the consumer has told its user; else {@code cause} goes on to
         * the registry, which logs it as a warning (a definition never fails for a consumer).
         * Default: false.
         */
        default boolean notAttached(Tracepoint<?> tracepoint, Throwable cause) {
            return false;
        }
    }

    /** What is attached to one tracepoint, held weakly (see the class comment). */
    private static final class Attached {
        final WeakReference<Tracepoint<?>> tracepoint;
        final List<WeakReference<Object>> probes = new ArrayList<>(1);

        Attached(Tracepoint<?> tracepoint) {
            this.tracepoint = new WeakReference<Tracepoint<?>>(tracepoint);
        }
    }

    private final Chooser chooser;
    private final Listener listener = new Listener();
    /** By tracepoint id. Guarded by this. */
    private final Map<Long, Attached> attached = new HashMap<>();
    /** Guarded by this. */
    private boolean closed;

    private Attachments(Chooser chooser) {
        this.chooser = chooser;
    }

    /**
     * Asks {@code chooser} about every tracepoint defined so far, and then about each one defined,
     * and attaches the writers it returns, until {@link #close()}.
     *
     * @throws IllegalArgumentException if {@code chooser} is null
     */
    public static Attachments start(Chooser chooser) {
        if (chooser == null) {
            throw new IllegalArgumentException("chooser is null: pass one that picks the writers per tracepoint");
        }
        Attachments attachments = new Attachments(chooser);
        Tracepoints.addListener(attachments.listener); // the tracepoints defined so far, then the new ones
        return attachments;
    }

    /** The names of the tracepoints with writers attached now, sorted. */
    public synchronized List<String> tracepoints() {
        List<String> names = new ArrayList<>();
        for (Attached entry : attached.values()) {
            Tracepoint<?> tracepoint = entry.tracepoint.get();
            if (tracepoint != null) {
                names.add(tracepoint.name());
            }
        }
        names.sort(null);
        return names;
    }

    /**
     * Detaches every probe and returns once none is running ({@link
     * Tracepoints#synchronizeUnregister()}): no writer is called after it. Idempotent.
     *
     * @throws IllegalStateException if called from a probe (it waits for probes to finish)
     */
    @Override
    public void close() {
        Tracepoint.refuseWaitInsideProbe(Tracepoint.Flavor.FAULTABLE); // before changing anything
        Tracepoints.removeListener(listener); // outside the lock: a definition may be telling it now
        try {
            synchronized (this) {
                if (closed) {
                    return; // another close detached them; the finally waits as it does
                }
                closed = true; // a definition that still tells the listener attaches nothing
                for (Attached entry : attached.values()) {
                    Tracepoint<?> tracepoint = entry.tracepoint.get();
                    if (tracepoint != null) { // else its loader went, and its probes with it
                        for (WeakReference<Object> probe : entry.probes) {
                            detach(tracepoint, probe.get());
                        }
                    }
                }
                attached.clear();
            }
        } finally {
            Tracepoints.synchronizeUnregister(); // also for a second closer: none returns early
        }
    }

    private synchronized void attach(Tracepoint<?> tracepoint) {
        if (closed || attached.containsKey(tracepoint.id())) {
            return;
        }
        List<? extends ArgumentWriter> writers = chooser.writers(tracepoint);
        if (writers == null || writers.isEmpty()) {
            return;
        }
        Attached entry = new Attached(tracepoint);
        try {
            for (ArgumentWriter writer : writers) {
                entry.probes.add(new WeakReference<Object>(register(chooser, tracepoint, writer)));
            }
        } catch (RuntimeException | Error e) {
            for (WeakReference<Object> probe : entry.probes) {
                detach(tracepoint, probe.get()); // all the chooser's writers, or none
            }
            if (tracepoint.forgotten() || chooser.notAttached(tracepoint, e)) {
                return; // forgotten: no refusal, its removal is told; else the chooser told its user
            }
            throw e; // for the registry to log
        }
        attached.put(tracepoint.id(), entry);
        chooser.attached(tracepoint, writers);
    }

    /** Registers the chooser's probe for {@code writer}; a generic method names the tracepoint's prototype P. */
    private static <P> P register(Chooser chooser, Tracepoint<P> tracepoint, ArgumentWriter writer) {
        P probe = chooser.probe(tracepoint, writer);
        tracepoint.register(probe);
        return probe;
    }

    /** Unregisters {@code probe} (null: collected with its loader) unless the tracepoint dropped it already. */
    private static void detach(Tracepoint<?> tracepoint, Object probe) {
        if (probe != null) {
            tracepoint.unregisterIfRegistered(probe);
        }
    }

    /** Attaches tracepoints as they are defined; drops those whose class loader went away. */
    private final class Listener implements Tracepoints.Listener {
        @Override
        public void added(Tracepoint<?> tracepoint) {
            attach(tracepoint);
        }

        @Override
        public void removed(String name, long id) {
            synchronized (Attachments.this) {
                attached.remove(id);
            }
        }

        /** What the registry's warnings name: the consumer's chooser, whose failure it was. */
        @Override
        public String toString() {
            return "the attachments of chooser " + chooser;
        }
    }
}
