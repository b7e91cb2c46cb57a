package io.tracepoint4j.tracer.control;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Where the {@code tp} tool's bootstrap MBean ({@code io.tracepoint4j.control.Bootstrap}) opens the
 * control socket its commands then use ({@link ControlServer}): it finds this class by name, in the
 * application's class loader or in the tracer it brought, and calls {@link #open()}.
 */
public final class Channel {
    private Channel() {}

    /**
     * Opens the control socket if it is not open, and returns its path.
     *
     * @throws UncheckedIOException if the socket's folder or file cannot be made
     */
    public static String open() {
        try {
            return ControlServer.open().toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open tracepoint4j's control socket: " + e.getMessage(), e);
        }
    }
}
