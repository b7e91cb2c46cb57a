package io.tracepoint4j.examples.modulepath.plugin;

/**
 * The prototype of a plugin's tracepoint: ModulePathMain defines this class again in a plugin's
 * class loader (an unnamed module below the module path), where tracepoint4j's loader does not
 * see it, so the tracepoint's class is defined in the plugin's package and module.
 */
public interface Step {
    void step(int value);
}
