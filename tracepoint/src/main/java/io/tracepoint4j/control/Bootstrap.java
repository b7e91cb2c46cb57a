package io.tracepoint4j.control;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.Tracepoints;
import java.util.TreeMap;

/**
 * What the {@code tp} tool creates in a running JVM to reach its tracepoints, with no agent and no
 * start-up flag: over a JMX connection the tool opens with a password only its user can read, it
 * asks the JVM's MBean server to create this class by name, which loads it through the application
 * class loader, where this module is; then it calls {@link BootstrapMBean}'s operations and
 * unregisters it. docs/design/control-channel.md says why this route, and what it guarantees.
 *
 * <p>Public with a public constructor because the MBean server instantiates it reflectively; it
 * holds no state, starts nothing, and allocates only for the answers.
 */
public final class Bootstrap implements BootstrapMBean {
    /** The name the tool registers it under. */
    public static final String OBJECT_NAME = "io.tracepoint4j:type=Bootstrap";

    /** For the MBean server, which creates it by name. */
    public Bootstrap() {}

    @Override
    public String getVersion() {
        return Tracepoints.version();
    }

    @Override
    public String[] list(String glob) {
        TreeMap<String, String> lines = new TreeMap<>(); // by name, then id: class loaders may repeat a name
        for (Tracepoint<?> tracepoint : Tracepoints.find(glob)) {
            lines.put(tracepoint.name() + '\0' + tracepoint.id(), line(tracepoint));
        }
        return lines.values().toArray(new String[0]);
    }

    private static String line(Tracepoint<?> tracepoint) {
        StringBuilder arguments = new StringBuilder("(");
        for (Tracepoint.Argument argument : tracepoint.arguments()) {
            if (arguments.length() > 1) {
                arguments.append(", ");
            }
            arguments.append(argument.type().getSimpleName()).append(' ').append(argument.name());
        }
        int probes = tracepoint.probeCount();
        return tracepoint.name() + " " + tracepoint.flavor().name().toLowerCase(java.util.Locale.ROOT) + " "
                + (probes > 0 ? "enabled" : "disabled") + " " + probes + (probes == 1 ? " probe " : " probes ")
                + arguments.append(')');
    }
}
