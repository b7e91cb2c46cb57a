package io.tracepoint4j.testplugin;

import io.tracepoint4j.Tracepoint;

/**
 * A plugin's instrumented class, loaded by {@code PluginLoader} into a loader of its own below
 * tracepoint4j's (so tracepoint4j's loader cannot see {@link Ev} as the same class), as an
 * application server or plugin host loads a web application or a plugin.
 */
public final class Plugin {
    /** The prototype: lives in the plugin's loader. */
    public interface Ev {
        void ev(long x);
    }

    /** A tracepoint whose prototype is the plugin's own. */
    public static final Tracepoint<Ev> EV = Tracepoint.define("plugin:ev", Ev.class, "x");

    private Plugin() {}

    /** The instrumented code: fires {@link #EV}. */
    public static void work(long x) {
        EV.fire().ev(x);
    }
}
