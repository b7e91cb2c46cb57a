/**
 * tracepoint4j's grace-period engine: SRCU domains and classic RCU. Depends on the JDK alone.
 * Native access (for membarrier(2)) must be enabled for this module:
 * {@code --enable-native-access=io.tracepoint4j.rcu} on the module path, {@code ALL-UNNAMED} on the
 * class path.
 */
@SuppressWarnings("module") // the qualified export names a module built after this one
module io.tracepoint4j.rcu {
    exports io.tracepoint4j.rcu;
    // what the tracepoint module shares with this one; not the user's API
    exports io.tracepoint4j.rcu.internal to
            io.tracepoint4j,
            io.tracepoint4j.tracer;
}
