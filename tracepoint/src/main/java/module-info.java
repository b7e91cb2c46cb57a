/**
 * tracepoint4j's user API: tracepoint definitions, probes, static keys and the registry, in the root
 * package {@code io.tracepoint4j}. Depends on the grace-period engine ({@code io.tracepoint4j.rcu})
 * and the JDK alone. Prototype interfaces must be public, in a package exported to this module (at
 * least), and visible from this module's class loader.
 */
module io.tracepoint4j {
    requires transitive io.tracepoint4j.rcu; // consumers use its domains (Srcu for their own)

    exports io.tracepoint4j;
    exports io.tracepoint4j.control; // the tp tool's bootstrap MBean, created by name in a running JVM
}
