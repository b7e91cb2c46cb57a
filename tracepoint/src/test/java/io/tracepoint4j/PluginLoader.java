package io.tracepoint4j;

import io.tracepoint4j.testkit.ChildFirstLoader;

/**
 * A plugin's class loader: defines the classes of package {@code io.tracepoint4j.testplugin}
 * itself, from the test class path, and delegates every other class to its parent.
 */
final class PluginLoader extends ChildFirstLoader {
    static final String PACKAGE = "io.tracepoint4j.testplugin.";

    PluginLoader(String name, ClassLoader parent) {
        super(name, parent, PACKAGE, PluginLoader.class.getClassLoader());
    }

    /** A loader below the application loader, which holds tracepoint4j. */
    static PluginLoader belowTracepoint4j(String name) {
        return new PluginLoader(name, PluginLoader.class.getClassLoader());
    }
}
