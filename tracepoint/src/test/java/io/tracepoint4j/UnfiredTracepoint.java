package io.tracepoint4j;

import io.tracepoint4j.Tracepoint.Definition;
import java.lang.invoke.MethodHandles;

/**
 * A tracepoint without a generated class, for tests that never fire it: the registry needs only the
 * base class, probe registration is all in it, and generated tracepoints (a class per prototype,
 * call sites per tracepoint) would dominate the thousands of scenarios of a Lincheck test. Its dispatch
 * methods (callOne$ and callAll$ of a generated class) do nothing: the update side still builds and installs real dispatch targets.
 */
final class UnfiredTracepoint<P> extends Tracepoint<P> {

    UnfiredTracepoint(Definition<P> definition) {
        super(
                definition,
                MethodHandles.empty(
                        definition.dispatch().type().insertParameterTypes(0, Tracepoint.class, definition.prototype())),
                MethodHandles.empty(definition.dispatch().type().insertParameterTypes(0, Tracepoint.class)));
    }

    @Override
    public boolean enabled() {
        return probeCount() > 0;
    }
}
