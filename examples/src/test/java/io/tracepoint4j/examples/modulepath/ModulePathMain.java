package io.tracepoint4j.examples.modulepath;

import io.tracepoint4j.Tracepoint;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Run by ModulePathTest inside the named module io.tracepoint4j.examples (added to it with
 * --patch-module), on the module path with tracepoint4j's own modules: runs the tracepoint example,
 * whose prototype lives in a package the module exports to io.tracepoint4j, then defines a
 * tracepoint whose prototype lives in this package, which the module does not export.
 */
public final class ModulePathMain {

    /** Public, but in a package its module does not export. */
    public interface Hidden {
        void hidden(int value);
    }

    private ModulePathMain() {}

    public static void main(String[] args) throws Exception {
        System.out.println("module: " + ModulePathMain.class.getModule().getName() + ", tracepoint4j module: "
                + Tracepoint.class.getModule().getName());
        Class<?> example = Class.forName("io.tracepoint4j.examples.TracepointExample");
        Method run = example.getDeclaredMethod("main", String[].class);
        run.invoke(null, (Object) new String[0]);
        try {
            Tracepoint.define("modulepath:hidden", Hidden.class, "value");
            System.out.println("defined a tracepoint whose prototype's package is not exported");
        } catch (IllegalArgumentException e) {
            System.out.println("refused: " + e.getMessage());
        }
        firePluginTracepoint();
    }

    /**
     * A tracepoint whose prototype a plugin's loader defined: its class goes into the plugin's
     * unnamed module, whose firing code names a type of io.tracepoint4j.rcu that the module path
     * exports to tracepoint4j's modules only, until tracepoint4j exports it there too.
     */
    private static void firePluginTracepoint() throws Exception {
        String name = "io.tracepoint4j.examples.modulepath.plugin.Step";
        ClassLoader plugin = new ClassLoader("plugin", ModulePathMain.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String className, boolean resolve) throws ClassNotFoundException {
                if (!className.equals(name)) {
                    return super.loadClass(className, resolve);
                }
                synchronized (getClassLoadingLock(className)) {
                    Class<?> c = findLoadedClass(className);
                    if (c != null) {
                        return c;
                    }
                    try (InputStream in = ModulePathMain.class.getResourceAsStream("plugin/Step.class")) {
                        byte[] bytes = in.readAllBytes();
                        return defineClass(className, bytes, 0, bytes.length);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(className, e);
                    }
                }
            }
        };
        @SuppressWarnings("unchecked")
        Class<Object> prototype = (Class<Object>) plugin.loadClass(name);
        Tracepoint<Object> tp = Tracepoint.define("modulepath:plugin", prototype, "value");
        int[] calls = new int[1];
        Object probe = Proxy.newProxyInstance(plugin, new Class<?>[] {prototype}, new InvocationHandler() {
            @Override
            public Object invoke(Object proxy, Method method, Object[] args) {
                if (method.getName().equals("step")) {
                    calls[0] += (Integer) args[0];
                }
                return null;
            }
        });
        tp.register(probe);
        prototype.getMethod("step", int.class).invoke(tp.fire(), 7);
        tp.unregister(probe);
        tp.synchronizeUnregister();
        System.out.println(
                "plugin tracepoint in " + tp.fire().getClass().getModule() + " fired: the probe got " + calls[0]);
    }
}
