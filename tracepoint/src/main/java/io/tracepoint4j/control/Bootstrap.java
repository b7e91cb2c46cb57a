package io.tracepoint4j.control;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.Tracepoints;
import io.tracepoint4j.rcu.internal.InternalExports;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.TreeMap;

/**
 * What the {@code tp} tool creates in a running JVM to reach its tracepoints, with no agent and no
 * start-up flag: over a JMX connection the tool opens with a password only its user can read, it
 * asks the JVM's MBean server to create this class by name, which loads it through the application
 * class loader, where this module is; then it calls {@link BootstrapMBean}'s operations and
 * unregisters it. docs/design/control-channel.md says why this route, and what it guarantees.
 *
 * <p>The tool records through the tracer's control socket, which {@link #openChannel()} opens. An
 * application that has tracepoint4j's tracepoints but not its tracer gets one from the tool first
 * ({@link #bringTracer}), kept for the JVM's life so that later tools find it.
 *
 * <p>Public with a public constructor because the MBean server instantiates it reflectively; an
 * instance holds no state, and starts nothing but what {@link #openChannel()} asks the tracer for.
 */
public final class Bootstrap implements BootstrapMBean {
    /** The name the tool registers it under. */
    public static final String OBJECT_NAME = "io.tracepoint4j:type=Bootstrap";

    /** The tracer's class whose static {@code String open()} opens the control socket. */
    static final String CHANNEL = "io.tracepoint4j.tracer.control.Channel";

    /** Serializes bringing the tracer in: two tools may ask at once. */
    private static final Object BRINGING = new Object();

    /** The tracer a tool brought, or null. Guarded by BRINGING. */
    private static BroughtTracer brought;

    /** For the MBean server, which creates it by name. */
    public Bootstrap() {}

    @Override
    public String getVersion() {
        return Tracepoints.version();
    }

    @Override
    public String[] list(String glob) {
        TreeMap<String, String> lines = new TreeMap<>(); // by name, then id: class loaders may repeat a name
        for (Tracepoint<?> tracepoint : Tracepoints.find(Tracepoints.checkGlob(glob))) { // why none would match
            lines.put(tracepoint.name() + '\0' + tracepoint.id(), line(tracepoint));
        }
        return lines.values().toArray(new String[0]);
    }

    @Override
    public boolean isTracerLoaded() {
        return channelClass() != null;
    }

    @Override
    public void bringTracer(byte[] jar, String version) {
        if (!version.equals(Tracepoints.version())) {
            throw new IllegalArgumentException(
                    "this JVM has tracepoint4j " + Tracepoints.version() + "; the tracer sent is version " + version);
        }
        synchronized (BRINGING) {
            if (channelClass() == null) {
                BroughtTracer tracer = BroughtTracer.of(jar, CHANNEL, Bootstrap.class.getClassLoader());
                // the tracer uses the grace-period engine's internals, which a named rcu module
                // exports to the tracer module by name only: not to this loader's unnamed module
                InternalExports.exportTo(tracer.getUnnamedModule());
                brought = tracer;
            }
        }
    }

    @Override
    public String openChannel() {
        Class<?> channel = channelClass();
        if (channel == null) {
            throw new IllegalStateException("this JVM has no tracepoint4j tracer");
        }
        quietReadSide();
        MethodHandle open;
        try {
            open = MethodHandles.publicLookup().findStatic(channel, "open", MethodType.methodType(String.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the tracer's " + CHANNEL + " has no open(): " + e, e);
        }
        try {
            return (String) open.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e.toString(), e); // open() declares no checked exception
        }
    }

    /**
     * The tool's probes must not make the JVM print anything: where the RCU read side is not chosen
     * yet (no probe was ever registered here) and the rcu module has no native access, its first
     * use of membarrier(2) through FFM would make the JDK print a warning on the application's
     * console. Choose the fenced read side for it then, by the rcu module's documented property,
     * which is read once, when the read side is chosen; set otherwise, it changes nothing.
     */
    private static void quietReadSide() {
        String property = io.tracepoint4j.rcu.ReadSideBarrier.FORCE_FENCED_PROPERTY; // a constant: no initialization
        if (!io.tracepoint4j.rcu.ReadSideBarrier.class.getModule().isNativeAccessEnabled()
                && System.getProperty(property) == null) {
            System.setProperty(property, "true");
        }
    }

    /** The tracer's Channel class: the application's own, else the brought one, else null. */
    private static Class<?> channelClass() {
        try {
            return Class.forName(CHANNEL, false, Bootstrap.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            // the application has no tracer of its own
        }
        synchronized (BRINGING) {
            if (brought == null) {
                return null;
            }
            try {
                return Class.forName(CHANNEL, false, brought);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("the brought tracer lost " + CHANNEL, e); // of() checked it
            }
        }
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
