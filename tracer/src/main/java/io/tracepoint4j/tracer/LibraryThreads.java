package io.tracepoint4j.tracer;

/**
 * The tracer's own background threads (a session's drain, the freeing of sessions' memory): the one
 * way it makes them.
 */
final class LibraryThreads {
    private LibraryThreads() {}

    /**
     * A daemon platform thread named {@code name} (tracepoint4j-..., which the jvm:* tracepoints
     * leave out) running {@code task}, not started. It inherits no inheritable thread locals and
     * has no context class loader: the first thread to need it may belong to a web application or
     * a plugin, whose loader it would otherwise keep alive as long as it runs.
     */
    static Thread unstarted(String name, Runnable task) {
        Thread thread = Thread.ofPlatform()
                .name(name)
                .daemon()
                .inheritInheritableThreadLocals(false)
                .unstarted(task);
        thread.setContextClassLoader(null);
        return thread;
    }
}
