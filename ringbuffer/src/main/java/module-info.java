/**
 * tracepoint4j's record buffers: lock-free reserve and commit of variable-size records into
 * buffers split into sub-buffers, drained by a consumer, in discard or overwrite mode. Knows nothing
 * of tracing; depends on the JDK alone.
 */
module io.tracepoint4j.ringbuffer {
    exports io.tracepoint4j.ringbuffer;
}
