package io.tracepoint4j;

import io.tracepoint4j.Tracepoint.Definition;

/**
 * A tracepoint without a generated class, for tests that never fire it: the registry needs only the
 * base class, probe registration is all in it, and generating a hidden class per definition (about
 * a millisecond) would dominate the thousands of scenarios of a Lincheck test.
 */
final class UnfiredTracepoint<P> extends Tracepoint<P> {

    UnfiredTracepoint(Definition<P> definition) {
        super(definition);
    }

    @Override
    public boolean enabled() {
        return probeCount() > 0;
    }
}
