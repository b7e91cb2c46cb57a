package io.tracepoint4j.rcu.internal;

/**
 * The library's own background threads (the read side's set-up here; the tracepoints' failure
 * reports and registry reaper; a tracer session's drain and the freeing of its memory): the one way
 * every module makes them. Shared with the modules above this one (exported to them only); not
 * part of the user's API.
 */
public final class LibraryThreads {
    /*
     * Design note.
     *
     * Memory ordering:
     *   [TN] a factory's next thread number: getAndIncrement for unique names only; no ordering
     *        is relied on.
     */

    private LibraryThreads() {}

    /**
     * A daemon platform thread named {@code name} (tracepoint4j-..., which the jvm:* tracepoints
     * leave out) running {@code task}, not started. It inherits no inheritable thread locals and
     * has no context class loader: the first thread to need it may belong to a web application or
     * a plugin, whose loader it would otherwise keep alive as long as it runs.
     */
    public static Thread unstarted(String name, Runnable task) {
        Thread thread = Thread.ofPlatform()
                .name(name)
                .daemon()
                .inheritInheritableThreadLocals(false)
                .unstarted(task);
        thread.setContextClassLoader(null);
        return thread;
    }

    /**
     * Makes threads as {@link #unstarted} does, named {@code prefix} followed by 0, 1, 2, ...: for
     * a pool of the library's.
     */
    public static java.util.concurrent.ThreadFactory factory(String prefix) {
        return new Numbered(prefix);
    }

    /** The factory of {@link #factory}: a class, not a lambda (no invokedynamic in runtime modules). */
    private static final class Numbered implements java.util.concurrent.ThreadFactory {
        private final String prefix;
        private final java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();

        Numbered(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable task) {
            return unstarted(prefix + next.getAndIncrement(), task); // [TN]
        }
    }

    /** As {@link #unstarted}, started. */
    public static Thread start(String name, Runnable task) {
        Thread thread = unstarted(name, task);
        thread.start();
        return thread;
    }
}
