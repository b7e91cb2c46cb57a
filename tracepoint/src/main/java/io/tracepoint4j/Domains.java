package io.tracepoint4j;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.Srcu;

/**
 * The library-wide RCU domains that protect probe arrays, one per flavor. Created on first use and
 * never closed. Independent: a probe blocked in a faultable tracepoint delays only FAULTABLE's grace
 * periods.
 */
final class Domains {
    /** Regular tracepoints: probes never block, so the cheapest read side. */
    static final ClassicRcu REGULAR = ClassicRcu.create("tracepoint4j-regular");
    /** Faultable tracepoints: probes may block. */
    static final Srcu FAULTABLE = Srcu.create("tracepoint4j-faultable");

    private Domains() {}
}
