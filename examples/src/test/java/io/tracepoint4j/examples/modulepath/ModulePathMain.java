package io.tracepoint4j.examples.modulepath;

import io.tracepoint4j.Tracepoint;
import java.lang.reflect.Method;

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
    }
}
