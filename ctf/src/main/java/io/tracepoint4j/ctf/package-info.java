/**
 * CTF 1.8 traces that babeltrace2 reads, written without copying or allocating on the hot path, and
 * a reader of them. Knows nothing of tracepoints; depends on the JDK alone.
 *
 * <ul>
 *   <li>Describe a trace: {@link io.tracepoint4j.ctf.TraceMetadata} with its {@link
 *       io.tracepoint4j.ctf.CtfClock}, {@link io.tracepoint4j.ctf.StreamClass}es, {@link
 *       io.tracepoint4j.ctf.EventClass}es and {@link io.tracepoint4j.ctf.Field}s.
 *   <li>Write it: {@link io.tracepoint4j.ctf.CtfTrace} creates the folder and metadata file; a
 *       {@link io.tracepoint4j.ctf.StreamWriter} writes a stream event by event, or a tracer with
 *       buffers of its own writes records with {@link io.tracepoint4j.ctf.EventEncoder} after
 *       {@link io.tracepoint4j.ctf.PacketLayout#eventsOffset()}, finishes each buffer as a packet in
 *       place with {@link io.tracepoint4j.ctf.Packets#finish} and {@link
 *       io.tracepoint4j.ctf.PacketFields}, and appends it to a {@link
 *       io.tracepoint4j.ctf.StreamFile}.
 *   <li>Read it: {@code babeltrace2 FOLDER}, or {@link io.tracepoint4j.ctf.CtfReader}, which gives
 *       {@link io.tracepoint4j.ctf.CtfEvent}s and {@link io.tracepoint4j.ctf.CtfPacket}s.
 * </ul>
 */
package io.tracepoint4j.ctf;
