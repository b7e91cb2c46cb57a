package io.tracepoint4j.rcu.internal;

/**
 * The library's own background threads (the read side's set-up here; the tracepoints' failure
 * reports and registry reaper; a tracer session's drain and the freeing of its memory): the one way
 * every module makes them. Shared with the modules above this one (exported to them only); not
 * part of the user's API.
 */
public final class LibraryThreads {
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

    /** As {@link #unstarted}, started. */
    public static Thread start(String name, Runnable task) {
        Thread thread = unstarted(name, task);
        thread.start();
        return thread;
    }
}
