package io.tracepoint4j.jcstress;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** The VarHandle look-up every litmus state needs for its cells. */
public final class Handles {

    private Handles() {}

    /**
     * The VarHandle of the {@code int} field {@code name} declared by the class that made {@code
     * lookup}. Call it in a static initializer block, so that a missing field fails the class's
     * initialization, and not in a field's initializer: jcstress resets a state object in place
     * between samples only when none of the state class's fields has an initializer, static ones
     * included, and otherwise allocates a new state for every sample, which changes the litmus.
     */
    public static VarHandle intField(MethodHandles.Lookup lookup, String name) {
        try {
            return lookup.findVarHandle(lookup.lookupClass(), name, int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
