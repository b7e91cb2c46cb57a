/**
 * The demo and README code of tracepoint4j: uses the public API only. Runs on the class path from
 * the shaded jar (`./tp demo`), where this descriptor is left out.
 */
module io.tracepoint4j.examples {
    requires io.tracepoint4j.rcu;
}
