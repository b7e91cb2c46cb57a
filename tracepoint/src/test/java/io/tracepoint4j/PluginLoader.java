package io.tracepoint4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A class loader like a plugin host's or an application server's: it defines the classes of
 * package {@code io.tracepoint4j.testplugin} itself, from the test class path, and delegates every
 * other class to its parent. With the application loader as parent it sees tracepoint4j through
 * delegation; with the platform loader as parent it sees no tracepoint4j at all.
 */
final class PluginLoader extends ClassLoader {
    static final String PACKAGE = "io.tracepoint4j.testplugin.";

    PluginLoader(String name, ClassLoader parent) {
        super(name, parent);
    }

    /** A loader below the application loader, which holds tracepoint4j. */
    static PluginLoader belowTracepoint4j(String name) {
        return new PluginLoader(name, PluginLoader.class.getClassLoader());
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
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        String resource = name.replace('.', '/') + ".class";
        try (InputStream in = PluginLoader.class.getClassLoader().getResourceAsStream(resource)) {
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
