/**
 * tracepoint4j's tracer: sessions that record tracepoints into ring buffers and write CTF traces.
 * Native access (for the time-stamp counter clock) is used when enabled for this module:
 * {@code --enable-native-access=io.tracepoint4j.tracer} on the module path, {@code ALL-UNNAMED} on
 * the class path; without it sessions use {@code System.nanoTime()}.
 */
module io.tracepoint4j.tracer {
    requires transitive io.tracepoint4j;
    requires transitive io.tracepoint4j.ringbuffer;
    requires io.tracepoint4j.ctf;

    exports io.tracepoint4j.tracer;
    exports io.tracepoint4j.tracer.control; // Channel.open(), which the tp tool calls by name in a running JVM
}
