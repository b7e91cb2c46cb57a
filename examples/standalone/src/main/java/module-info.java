/** A shop that records its own orders and payments with tracepoint4j, on the module path. */
module com.example.shop {
    requires io.tracepoint4j.tracer; // and, transitively, io.tracepoint4j (tracepoints) and io.tracepoint4j.rcu

    // tracepoint4j generates a class implementing each prototype: it must see their package
    exports com.example.shop.tracing to
            io.tracepoint4j;
}
