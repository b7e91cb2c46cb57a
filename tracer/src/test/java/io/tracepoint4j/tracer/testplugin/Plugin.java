package io.tracepoint4j.tracer.testplugin;

import io.tracepoint4j.Tracepoint;

/** A plugin's instrumented class, loaded into a loader of its own by SessionClassLoaderTest. */
public final class Plugin {
    /** The prototype: lives in the plugin's loader. */
    public interface Ev {
        void ev(long x);
    }

    public static final Tracepoint<Ev> EV = Tracepoint.define("tplugin:ev", Ev.class, "x");

    private Plugin() {}

    /** The instrumented code: fires {@link #EV}. */
    public static void work(long x) {
        EV.fire().ev(x);
    }
}
