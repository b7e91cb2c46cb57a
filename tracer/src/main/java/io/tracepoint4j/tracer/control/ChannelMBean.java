package io.tracepoint4j.tracer.control;

/**
 * The management interface of {@link Channel}: what the {@code tp} tool calls over its JMX
 * connection to open the control socket (docs/design/control-channel.md).
 */
public interface ChannelMBean {
    /** Opens the control socket if it is not open; returns its path. */
    String open();
}
