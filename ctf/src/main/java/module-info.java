/**
 * tracepoint4j's CTF 1.8 writer and reader: trace metadata, packets and stream files that
 * babeltrace2 reads, event encoding straight into a {@link java.lang.foreign.MemorySegment}, and a
 * reader of the traces it writes. Depends on the JDK alone and knows nothing of tracepoints.
 */
module io.tracepoint4j.ctf {
    exports io.tracepoint4j.ctf;
}
