package io.tracepoint4j.bench;

import io.tracepoint4j.testkit.ChildFirstLoader;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The class loader of {@code TracepointFiringBench}'s {@code plugin*} scenarios, as a plugin host
 * makes one: it defines the classes of package {@code io.tracepoint4j.bench.plugin} itself, from
 * the benchmark jar, and delegates the rest (tracepoint4j included) to the application loader.
 */
final class PluginFirings extends ChildFirstLoader {
    private static final String PACKAGE = "io.tracepoint4j.bench.plugin.";
    /** One plugin loader per fork; only the scenario that uses it loads this class. */
    static final PluginFirings LOADER = new PluginFirings();

    private PluginFirings() {
        super("bench-plugin", PluginFirings.class.getClassLoader(), PACKAGE, PluginFirings.class.getClassLoader());
    }

    /** {@code PluginEvents.name}, a static method of the plugin. */
    static MethodHandle handle(String name, MethodType type) {
        try {
            Class<?> events = Class.forName(PACKAGE + "PluginEvents", true, LOADER);
            return MethodHandles.publicLookup().findStatic(events, name, type);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the benchmark's plugin", e);
        }
    }
}
