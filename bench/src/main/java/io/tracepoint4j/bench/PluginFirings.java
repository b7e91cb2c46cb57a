package io.tracepoint4j.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The class loader of {@code TracepointFiringBench}'s {@code plugin*} scenarios, as a plugin host
 * makes one: it defines the classes of package {@code io.tracepoint4j.bench.plugin} itself, from
 * the benchmark jar, and delegates the rest (tracepoint4j included) to the application loader.
 */
final class PluginFirings extends ClassLoader {
    private static final String PACKAGE = "io.tracepoint4j.bench.plugin.";
    /** One plugin loader per fork; only the scenario that uses it loads this class. */
    static final PluginFirings LOADER = new PluginFirings();

    private PluginFirings() {
        super("bench-plugin", PluginFirings.class.getClassLoader());
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

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!name.startsWith(PACKAGE)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                c = findClass(name);
            }
            return c;
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        String resource = name.replace('.', '/') + ".class";
        try (InputStream in = PluginFirings.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new ClassNotFoundException(name);
            }
            byte[] bytes = in.readAllBytes();
            return defineClass(name, bytes, 0, bytes.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
