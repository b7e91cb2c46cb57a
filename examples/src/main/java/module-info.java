/**
 * The demo and README code of tracepoint4j: uses the public API only. Runs on the class path from
 * the shaded jar (`./tp demo`), where this descriptor is left out, and as a named module in
 * ModulePathTest, which is how a modular application uses tracepoint4j.
 */
module io.tracepoint4j.examples {
    requires io.tracepoint4j; // and, transitively, io.tracepoint4j.rcu
    requires io.tracepoint4j.tracer; // the tracing demo's session
    requires io.tracepoint4j.ctf; // the tracing demo reads its trace back
    requires io.tracepoint4j.jfr; // the serving demo defines the jvm:* tracepoints

    // A tracepoint's prototype must be visible to the class tracepoint4j generates for it.
    exports io.tracepoint4j.examples to
            io.tracepoint4j;
}
