package io.tracepoint4j.rcu.internal;

/**
 * Exports this package to a module the module descriptor cannot name: the tracer the {@code tp}
 * tool brings into a running JVM (the tracepoint module's BroughtTracer) lands in its class
 * loader's unnamed module, which {@code exports io.tracepoint4j.rcu.internal to
 * io.tracepoint4j.tracer} does not reach when this module is named (an application on the module
 * path). Shared with the modules above this one only, as the package is.
 */
public final class InternalExports {
    private InternalExports() {}

    /**
     * Exports this package to {@code module} (a no-op where this module is unnamed: the class
     * path exports everything). Must be called from this module, as {@link Module#addExports}
     * requires: this method is that call.
     */
    public static void exportTo(Module module) {
        InternalExports.class.getModule().addExports(InternalExports.class.getPackageName(), module);
    }
}
