package io.tracepoint4j.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A class loader like a plugin host's or an application server's: it defines the classes of one
 * package itself, from the class files {@code source} finds (the test class path), and delegates
 * every other class to its parent. With the application loader as parent it sees tracepoint4j
 * through delegation; with the platform loader as parent it sees no tracepoint4j at all. Tests of
 * class-loader life cycles drop it and check that it is collected.
 */
public class ChildFirstLoader extends ClassLoader {
    private final String packagePrefix;
    private final ClassLoader source;

    /**
     * @param packagePrefix the package it defines itself, as a class-name prefix ({@code "a.b."})
     * @param source where its class files are read from
     */
    public ChildFirstLoader(String name, ClassLoader parent, String packagePrefix, ClassLoader source) {
        super(name, parent);
        this.packagePrefix = packagePrefix;
        this.source = source;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!name.startsWith(packagePrefix)) {
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
        try (InputStream in = source.getResourceAsStream(resource)) {
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
