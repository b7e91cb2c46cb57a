package io.tracepoint4j.ctf;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;

/**
 * Writes one stream event by event: packs event records into a packet buffer, and when the next one
 * does not fit, finishes the packet and appends it to the stream file. For programs and tests that
 * write a trace directly; a tracer with buffers of its own uses {@link Packets} and {@link
 * StreamFile}. Made by {@link CtfTrace#openWriter(int, long, int)}.
 *
 * <pre>{@code
 * long at = out.begin(eventId, timestamp, payloadBytes); // writes the event header
 * at = EventEncoder.putInt(out.segment(), at, 42);       // then the fields, in order
 * out.commit(at);
 * }</pre>
 *
 * <p>Each packet is as large as its content ({@code packet_size == content_size}), at most the
 * buffer's size. Its timestamps span its events; its sequence number is the previous one plus 1 (a
 * packet whose write failed is lost and leaves a gap); its discarded-event count is the running
 * total of {@link #discard()} calls and of events too large for any packet.
 *
 * <p>Not thread-safe: one thread writes a stream (or callers synchronize).
 */
public final class StreamWriter implements Closeable {
    private final CtfTrace trace;
    private final StreamFile file;
    private final PacketLayout layout;
    private final PacketFields fields;
    private final Arena arena;
    private final MemorySegment packet;
    /** Event class ids known to exist, so that a wrong id is refused here, not by babeltrace2. */
    private final BitSet knownIds = new BitSet();

    /** The end of the last committed record in the packet. */
    private long position;
    /** The end of the record being written, or -1 between {@link #commit} and {@link #begin}. */
    private long reservedEnd = -1;

    private long reservedStart;
    private int eventsInPacket;
    private long packetBegin;
    private long lastTimestamp;
    private long nextSequenceNumber;
    private long eventsDiscarded;
    private long eventsDiscardedWritten;
    private boolean closed;

    StreamWriter(CtfTrace trace, StreamFile file, int packetBytes) {
        this.trace = trace;
        this.file = file;
        this.layout = file.layout();
        this.fields = file.newPacketFields();
        this.arena = Arena.ofShared();
        this.packet = arena.allocate(packetBytes);
        this.position = layout.eventsOffset();
    }

    /** The packet buffer that {@link #begin} returns offsets into; the same for every packet. */
    public MemorySegment segment() {
        return packet;
    }

    /** The stream file written. */
    public StreamFile streamFile() {
        return file;
    }

    /**
     * Starts an event record: makes room for its header and {@code payloadBytes} of fields (appending
     * the current packet first if they do not fit in it), and writes the header.
     *
     * @param eventId the id of one of the stream class's event classes
     * @param timestamp the event's time on the trace's clock: 0 or more, and not before the stream's
     *     previous event
     * @param payloadBytes the size of the fields to write: {@link FieldType#size()}, {@link
     *     EventEncoder#stringSize}, {@link EventEncoder#bytesSize} added up
     * @return the offset in {@link #segment()} to write the first field at, or -1 if the record is
     *     larger than a packet can hold: then nothing is written and the event is counted as
     *     discarded
     * @throws IOException if appending the full packet failed (the packet is lost, see {@link
     *     StreamFile#append}); this event was not started
     * @throws IllegalStateException if a record was begun and not committed, or the writer is closed
     */
    public long begin(int eventId, long timestamp, long payloadBytes) throws IOException {
        if (reservedEnd >= 0) {
            throw new IllegalStateException(
                    "an event record was begun and not committed; call commit(end) after" + " writing its fields");
        }
        checkOpen();
        if (!knownIds.get(eventId)) {
            checkKnown(eventId);
        }
        if (timestamp < lastTimestamp || timestamp < 0) {
            throw new IllegalArgumentException("timestamp " + timestamp + " is before the previous event's "
                    + lastTimestamp + " in stream " + file.path() + " (or negative); a stream's events must"
                    + " not go back in time");
        }
        if (payloadBytes < 0) {
            throw new IllegalArgumentException("payloadBytes " + payloadBytes + " is negative");
        }
        long size = layout.eventHeaderSize() + payloadBytes;
        if (layout.eventsOffset() + size > packet.byteSize()) {
            eventsDiscarded++;
            return -1;
        }
        if (position + size > packet.byteSize()) {
            appendPacket();
        }
        if (eventsInPacket == 0) {
            packetBegin = timestamp;
        }
        lastTimestamp = timestamp;
        reservedStart = position;
        reservedEnd = position + size;
        return EventEncoder.eventHeader(packet, position, layout, eventId, timestamp);
    }

    /**
     * Ends the event record begun last, whose fields end at {@code end} (the offset the last put
     * method returned): at most what {@link #begin} reserved.
     *
     * @throws IllegalStateException if no record was begun, or {@code end} lies outside it
     */
    public void commit(long end) {
        if (reservedEnd < 0) {
            throw new IllegalStateException("commit without begin: start each event record with begin(...)");
        }
        if (end > reservedEnd || end < reservedStart + layout.eventHeaderSize()) {
            long reserved = reservedEnd;
            reservedEnd = -1; // the record is dropped; the next one overwrites it
            throw new IllegalStateException("the event record ends at " + end + ", outside its reservation ["
                    + (reservedStart + layout.eventHeaderSize()) + ", " + reserved + "]; pass begin() the exact"
                    + " payload size, and commit() the offset the last put method returned");
        }
        position = end;
        reservedEnd = -1;
        eventsInPacket++;
    }

    /**
     * Counts one event as discarded (lost): the next packet's {@code events_discarded} includes it,
     * and babeltrace2 reports it.
     */
    public void discard() {
        eventsDiscarded++;
    }

    /** The events discarded so far: by {@link #discard()}, and records too large for a packet. */
    public long eventsDiscarded() {
        return eventsDiscarded;
    }

    /**
     * Sets the stream class's packet context field {@code index} for the current packet and those
     * after it.
     */
    public void context(int index, long value) {
        fields.context(index, value);
    }

    /**
     * Appends the current packet if it holds events (or carries discarded events not yet reported),
     * and starts a new one.
     *
     * @throws IllegalStateException if a record was begun and not committed
     */
    public void flush() throws IOException {
        if (reservedEnd >= 0) {
            throw new IllegalStateException("flush while an event record is begun; commit it first");
        }
        checkOpen();
        if (eventsInPacket > 0 || eventsDiscarded != eventsDiscardedWritten) {
            appendPacket();
        }
    }

    /**
     * Appends the last packet ({@link #flush()}; a record begun and not committed is dropped), closes
     * the stream file and frees the packet buffer. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        reservedEnd = -1;
        try {
            flush();
        } finally {
            closed = true;
            try {
                file.close();
            } finally {
                arena.close();
            }
        }
    }

    private void appendPacket() throws IOException {
        if (eventsInPacket == 0) {
            packetBegin = lastTimestamp;
        }
        fields.timestampBegin(packetBegin)
                .timestampEnd(lastTimestamp)
                .contentSize(position)
                .packetSize(position)
                .eventsDiscarded(eventsDiscarded)
                .sequenceNumber(nextSequenceNumber++);
        position = layout.eventsOffset();
        eventsInPacket = 0;
        Packets.finish(packet, fields);
        file.append(packet); // on failure the packet is lost: its sequence number stays used
        eventsDiscardedWritten = fields.eventsDiscarded();
    }

    private void checkKnown(int eventId) {
        if (eventId < 0 || !trace.hasEventClass(layout.streamClassId(), eventId)) {
            throw new IllegalArgumentException("stream class " + layout.streamClassId() + " has no event class "
                    + eventId + "; add it to the metadata (StreamClass.Builder.eventClass or"
                    + " CtfTrace.addEventClass) before writing its events");
        }
        knownIds.set(eventId);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("stream writer of " + file.path() + " is closed");
        }
    }
}
