/**
 * Record buffers: variable-size records reserved and committed without locks by many writers,
 * in buffers split into sub-buffers that a consumer drains; discard or overwrite mode when full,
 * every lost record counted by cause.
 */
package io.tracepoint4j.ringbuffer;
