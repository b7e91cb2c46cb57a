package io.tracepoint4j.control;

/**
 * The management interface of {@link Bootstrap}: what the {@code tp} tool calls in a running JVM
 * over the authenticated JMX connection it opens there (docs/design/control-channel.md).
 */
public interface BootstrapMBean {
    /** The tracepoint4j version of this JVM's {@code io.tracepoint4j} module, or "unknown". */
    String getVersion();

    /**
     * The tracepoints whose names match {@code glob} ({@code Tracepoints.find} syntax), one line
     * each, sorted by name: {@code NAME FLAVOR enabled|disabled PROBES (TYPE NAME, ...)}.
     */
    String[] list(String glob);

    /**
     * Whether this JVM has tracepoint4j's tracer: the application's own, on the class loader this
     * module is in, or one a tool brought with {@link #bringTracer}.
     */
    boolean isTracerLoaded();

    /**
     * Defines the tracer from {@code jar}, a jar's bytes holding the classes of the tracer,
     * ring-buffer and CTF modules, in a class loader of its own held in memory (no file is
     * written or kept open), unless this JVM has a tracer already. Classes are defined when first
     * used; nothing runs until {@link #openChannel()}.
     *
     * @param version the tracepoint4j version the classes were built as
     * @throws IllegalArgumentException if {@code version} is not {@link #getVersion()}, or the jar
     *     holds no tracer
     */
    void bringTracer(byte[] jar, String version);

    /**
     * Opens the tracer's control socket if it is not open, and returns its path.
     *
     * @throws IllegalStateException if this JVM has no tracer ({@link #isTracerLoaded()})
     */
    String openChannel();
}
