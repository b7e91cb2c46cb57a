package io.tracepoint4j.tracer.control;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What the {@code tp} tool creates by name in a running JVM, over its JMX connection, to open the
 * control socket its commands then use ({@link ControlServer}); the tool then unregisters it and
 * stops the JMX agent. Public with a public constructor because the MBean server instantiates it.
 */
public final class Channel implements ChannelMBean {
    /** The name the tool registers it under. */
    public static final String OBJECT_NAME = "io.tracepoint4j:type=Channel";

    /** For the MBean server, which creates it by name. */
    public Channel() {}

    @Override
    public String open() {
        try {
            return ControlServer.open().toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open tracepoint4j's control socket: " + e.getMessage(), e);
        }
    }
}
