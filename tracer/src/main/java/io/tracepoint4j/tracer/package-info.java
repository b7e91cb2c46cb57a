/**
 * Sessions that record tracepoints: each enables tracepoints by name or glob, records every firing
 * (timestamp, thread, arguments) into lock-free ring buffers, and writes CTF traces that babeltrace2
 * reads. Under construction (issue 13): today the session clocks ({@link
 * io.tracepoint4j.tracer.TraceClock}).
 */
package io.tracepoint4j.tracer;
