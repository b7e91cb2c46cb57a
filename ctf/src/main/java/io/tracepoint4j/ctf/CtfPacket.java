package io.tracepoint4j.ctf;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A packet of a stream file as {@link CtfReader} found it: where it is, its header and context
 * fields, and the losses it reveals. Immutable.
 */
public final class CtfPacket {
    private final Path file;
    private final long offset;
    private final int streamClassId;
    private final long streamInstanceId;
    private final long timestampBegin;
    private final long timestampEnd;
    private final long contentSize;
    private final long packetSize;
    private final long eventsDiscarded;
    private final long sequenceNumber;
    private final Map<String, Object> context;
    private final List<Field> contextFields;
    private final long discardedEventsBefore;
    private final long droppedPacketsBefore;
    private final boolean mayHaveLostBefore;

    CtfPacket(
            Path file,
            long offset,
            int streamClassId,
            long streamInstanceId,
            long timestampBegin,
            long timestampEnd,
            long contentSize,
            long packetSize,
            long eventsDiscarded,
            long sequenceNumber,
            Map<String, Object> context,
            List<Field> contextFields,
            long discardedEventsBefore,
            long droppedPacketsBefore,
            boolean mayHaveLostBefore) {
        this.file = file;
        this.offset = offset;
        this.streamClassId = streamClassId;
        this.streamInstanceId = streamInstanceId;
        this.timestampBegin = timestampBegin;
        this.timestampEnd = timestampEnd;
        this.contentSize = contentSize;
        this.packetSize = packetSize;
        this.eventsDiscarded = eventsDiscarded;
        this.sequenceNumber = sequenceNumber;
        this.context = context;
        this.contextFields = contextFields;
        this.discardedEventsBefore = discardedEventsBefore;
        this.droppedPacketsBefore = droppedPacketsBefore;
        this.mayHaveLostBefore = mayHaveLostBefore;
    }

    /** The stream file holding the packet. */
    public Path file() {
        return file;
    }

    /** The packet's offset in its file, in bytes. */
    public long offset() {
        return offset;
    }

    /** The stream class's id ({@code stream_id}). */
    public int streamClassId() {
        return streamClassId;
    }

    /** The stream's instance id ({@code stream_instance_id}). */
    public long streamInstanceId() {
        return streamInstanceId;
    }

    /** {@code timestamp_begin}. */
    public long timestampBegin() {
        return timestampBegin;
    }

    /** {@code timestamp_end}. */
    public long timestampEnd() {
        return timestampEnd;
    }

    /** {@code content_size}, in bytes. */
    public long contentSize() {
        return contentSize;
    }

    /** {@code packet_size}, in bytes. */
    public long packetSize() {
        return packetSize;
    }

    /** {@code events_discarded}: the stream's running total of lost events. */
    public long eventsDiscarded() {
        return eventsDiscarded;
    }

    /** {@code packet_seq_num}. */
    public long sequenceNumber() {
        return sequenceNumber;
    }

    /** The stream class's own context fields, by the name a trace shows. */
    public Map<String, Object> context() {
        return context;
    }

    /** The stream class's own context fields, in the order of {@link #context()}. */
    List<Field> contextFields() {
        return contextFields;
    }

    /**
     * The events lost between the stream's previous packet and the end of this one: the increase of
     * {@code events_discarded}; 0 for the stream's first packet (see {@link #mayHaveLostBefore()}).
     */
    public long discardedEventsBefore() {
        return discardedEventsBefore;
    }

    /**
     * The packets lost right before this one: the gap in {@code packet_seq_num}; 0 for the stream's
     * first packet (see {@link #mayHaveLostBefore()}).
     */
    public long droppedPacketsBefore() {
        return droppedPacketsBefore;
    }

    /**
     * For the stream's first packet in this trace: whether its counts are not at their start (its
     * {@code events_discarded} or {@code packet_seq_num} is not 0), so that events or packets may
     * have been lost before its end. How many is not this trace's to tell: a tracer that goes on
     * counting across traces (tracepoint4j's chunks after a rotation, its snapshots) counts there
     * what earlier traces hold or reported, and babeltrace2 reports such a first packet as "may
     * have discarded", without a number. Always false for later packets, whose losses are counted
     * from the packet before.
     */
    public boolean mayHaveLostBefore() {
        return mayHaveLostBefore;
    }

    @Override
    public String toString() {
        return "packet " + sequenceNumber + " of stream " + streamClassId + "/"
                + Long.toUnsignedString(streamInstanceId)
                + " at " + file + "+" + offset + " (" + contentSize + " of " + packetSize + " bytes, timestamps "
                + timestampBegin + ".." + timestampEnd + ", " + eventsDiscarded + " events discarded so far)";
    }
}
