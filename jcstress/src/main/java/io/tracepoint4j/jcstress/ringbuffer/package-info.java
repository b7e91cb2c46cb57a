/**
 * Litmus tests of the ring buffer's reserve/commit/consume protocol ({@code
 * io.tracepoint4j.ringbuffer.RingBuffer}), through its public API: a writer actor reserves, writes
 * and commits a record that fills a sub-buffer exactly (so the reservation itself closes the
 * sub-buffer), and a consumer actor consumes. The record's first and last 8 bytes carry the value
 * written; a consumer that reads a sub-buffer before its commit, or a copy that a writer overwrote,
 * shows another value.
 */
package io.tracepoint4j.jcstress.ringbuffer;
