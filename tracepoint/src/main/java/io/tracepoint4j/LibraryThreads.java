package io.tracepoint4j;

/** The library's own background threads: daemons that keep nothing of the thread that started them. */
final class LibraryThreads {
    private LibraryThreads() {}

    /**
     * Starts a daemon platform thread named {@code name} running {@code task}. It inherits no
     * inheritable thread locals and has no context class loader: the first thread to need it may
     * belong to a web application or a plugin, whose loader it would otherwise keep alive as long
     * as the JVM runs.
     */
    static Thread start(String name, Runnable task) {
        Thread thread = Thread.ofPlatform()
                .name(name)
                .daemon()
                .inheritInheritableThreadLocals(false)
                .unstarted(task);
        thread.setContextClassLoader(null);
        thread.start();
        return thread;
    }
}
