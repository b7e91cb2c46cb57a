package io.tracepoint4j.control;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The class loader of a tracer the {@code tp} tool brought into a JVM whose application has
 * tracepoint4j's tracepoints but not its tracer (docs/design/control-channel.md, "Bringing the
 * tracer in"). It defines the classes of the tracer, ring-buffer and CTF modules from the bytes of
 * a jar the tool sent over its JMX connection, so no file is written or held open in the target;
 * everything else, above all the tracepoints and the grace-period engine, comes from the parent,
 * the loader of this module, so the tracer sees the very tracepoints the application fires.
 *
 * <p>The three modules' packages are looked up here first: an application that has, say, the CTF
 * reader of another version on its class path must not mix it with this tracer. The classes land in
 * this loader's unnamed module, which reads every module and is granted native access only if the
 * JVM enables it for all unnamed modules (the tracer then falls back to {@code System.nanoTime()},
 * silently).
 */
final class BroughtTracer extends ClassLoader {
    /** The packages (as class-name prefixes) of the modules a tool brings: tracer, ringbuffer, ctf. */
    private static final String[] BROUGHT_PACKAGES = {
        "io.tracepoint4j.tracer.", "io.tracepoint4j.ringbuffer.", "io.tracepoint4j.ctf."
    };

    /** Class files not defined yet, by binary name; each is removed as it is defined. Guarded by this loader. */
    private final Map<String, byte[]> classFiles;

    private BroughtTracer(Map<String, byte[]> classFiles, ClassLoader parent) {
        super("tracepoint4j-brought-tracer", parent);
        this.classFiles = classFiles;
    }

    /**
     * A loader for the class files of {@code jar} that are in the brought packages (others, and
     * module descriptors, are skipped).
     *
     * @throws IllegalArgumentException if the bytes are not a jar or hold no {@code className}
     */
    static BroughtTracer of(byte[] jar, String className, ClassLoader parent) {
        Map<String, byte[]> classFiles = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(jar))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                String path = entry.getName();
                if (path.endsWith(".class") && !path.endsWith("module-info.class")) {
                    String name =
                            path.substring(0, path.length() - ".class".length()).replace('/', '.');
                    if (isBrought(name)) {
                        classFiles.put(name, in.readAllBytes());
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("the tracer sent is not a readable jar: " + e.getMessage(), e);
        }
        if (!classFiles.containsKey(className)) {
            throw new IllegalArgumentException("the tracer sent holds no " + className);
        }
        return new BroughtTracer(classFiles, parent);
    }

    private static boolean isBrought(String className) {
        for (String prefix : BROUGHT_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!isBrought(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (this) { // not registered as parallel capable: this is getClassLoadingLock(name)
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                loaded = findClass(name);
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        synchronized (this) {
            byte[] bytes = classFiles.remove(name);
            if (bytes == null) {
                throw new ClassNotFoundException(name + " (not in the tracer the tp tool brought)");
            }
            return defineClass(name, bytes, 0, bytes.length);
        }
    }
}
