package io.tracepoint4j.ctf;

/**
 * The values {@link Packets#finish} writes into a packet's header and context: the stream's
 * identity (fixed when made, by {@link PacketLayout#newPacketFields(long)}) and, set per packet, its
 * time span, sizes, loss counters and the stream class's own context fields. Mutable and not
 * thread-safe: the thread that finishes a stream's packets owns its fields, and reuses them from
 * packet to packet, so finishing a packet allocates nothing.
 *
 * <p>The rules {@link Packets#finish} checks, and the meaning babeltrace2 gives each value:
 *
 * <ul>
 *   <li>{@code timestampBegin <= timestampEnd}, both 0 or more: every event of the packet lies in
 *       between (babeltrace2 reports losses "between" such times);
 *   <li>{@code eventsOffset <= contentSize <= packetSize <= } the packet's bytes: the content is the
 *       header, context and whole event records; the rest up to {@code packetSize} is padding, which
 *       {@code finish} zeroes;
 *   <li>{@code eventsDiscarded}: events the stream lost since it began, a running total that never
 *       decreases (babeltrace2 reports each increase as discarded events; a decrease would print as
 *       a huge unsigned number);
 *   <li>{@code sequenceNumber}: 0 for the stream's first packet, then +1 per packet; a packet that
 *       was lost leaves a gap, which babeltrace2 reports as discarded packets.
 * </ul>
 *
 * {@link StreamFile#append} checks the last two across packets.
 */
public final class PacketFields {
    private final PacketLayout layout;
    private final long streamInstanceId;
    private final long[] context;
    private long timestampBegin;
    private long timestampEnd;
    private long contentSize;
    private long packetSize;
    private long eventsDiscarded;
    private long sequenceNumber;

    PacketFields(PacketLayout layout, long streamInstanceId) {
        this.layout = layout;
        this.streamInstanceId = streamInstanceId;
        this.context = new long[layout.contextFieldCount()];
    }

    /** The layout of the packets these fields describe. */
    public PacketLayout layout() {
        return layout;
    }

    /** The stream's instance id within its stream class. */
    public long streamInstanceId() {
        return streamInstanceId;
    }

    /** Sets the clock value at or before the packet's first event. */
    public PacketFields timestampBegin(long timestamp) {
        this.timestampBegin = timestamp;
        return this;
    }

    /** Sets the clock value at or after the packet's last event. */
    public PacketFields timestampEnd(long timestamp) {
        this.timestampEnd = timestamp;
        return this;
    }

    /** Sets the bytes of header, context and event records: the end of the last record. */
    public PacketFields contentSize(long bytes) {
        this.contentSize = bytes;
        return this;
    }

    /** Sets the bytes of the whole packet, padding included, which {@link StreamFile#append} writes. */
    public PacketFields packetSize(long bytes) {
        this.packetSize = bytes;
        return this;
    }

    /** Sets the running total of events the stream lost, up to the end of this packet. */
    public PacketFields eventsDiscarded(long total) {
        this.eventsDiscarded = total;
        return this;
    }

    /** Sets the packet's sequence number in its stream. */
    public PacketFields sequenceNumber(long number) {
        this.sequenceNumber = number;
        return this;
    }

    /**
     * Sets the stream class's context field {@code index} (see {@link
     * PacketLayout#contextFieldIndex(String)}); the low bits that fit its type are written.
     */
    public PacketFields context(int index, long value) {
        context[index] = value;
        return this;
    }

    /** The clock value at or before the packet's first event. */
    public long timestampBegin() {
        return timestampBegin;
    }

    /** The clock value at or after the packet's last event. */
    public long timestampEnd() {
        return timestampEnd;
    }

    /** The bytes of header, context and event records. */
    public long contentSize() {
        return contentSize;
    }

    /** The bytes of the whole packet. */
    public long packetSize() {
        return packetSize;
    }

    /** The running total of events the stream lost. */
    public long eventsDiscarded() {
        return eventsDiscarded;
    }

    /** The packet's sequence number. */
    public long sequenceNumber() {
        return sequenceNumber;
    }

    /** The stream class's context field {@code index}. */
    public long context(int index) {
        return context[index];
    }

    @Override
    public String toString() {
        return "packet " + sequenceNumber + " of stream " + layout.streamClassId() + "/" + streamInstanceId
                + ": timestamps " + timestampBegin + ".." + timestampEnd + ", content " + contentSize + " of "
                + packetSize + " bytes, " + eventsDiscarded + " events discarded so far";
    }
}
