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
}
