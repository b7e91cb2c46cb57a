package io.tracepoint4j.bench.plugin;

import io.tracepoint4j.Tracepoint;

/**
 * A plugin's instrumented code for {@code TracepointFiringBench}'s {@code plugin*} scenarios:
 * loaded by {@code PluginFirings}' own class loader (below the application's, which holds
 * tracepoint4j), so its tracepoints' class lives in this package and that loader, as in a plugin
 * or a web application. Referenced only by name from the benchmark.
 */
public final class PluginEvents {
    /** The prototype, the plugin's own. */
    public interface Event2 {
        void event(long a, int b);
    }

    static final Tracepoint<Event2> DISABLED = Tracepoint.define("plugin_bench:disabled", Event2.class, "a", "b");
    static final Tracepoint<Event2> ONE = Tracepoint.define("plugin_bench:one", Event2.class, "a", "b");

    /** The no-op probe of {@code pluginOneProbe}. */
    static final Event2 PROBE = (a, b) -> {};

    private PluginEvents() {}

    public static void fireDisabled(long a, int b) {
        DISABLED.fire().event(a, b);
    }

    public static void fireOne(long a, int b) {
        ONE.fire().event(a, b);
    }

    /** Registers the no-op probe on {@code plugin_bench:one}; returns the tracepoint's class loader. */
    public static ClassLoader attach() {
        ONE.register(PROBE);
        return ONE.getClass().getClassLoader();
    }

    public static void detach() {
        ONE.unregister(PROBE);
        ONE.synchronizeUnregister();
    }
}
