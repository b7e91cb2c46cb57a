package io.tracepoint4j.ctf;

import static io.tracepoint4j.ctf.EventEncoder.BYTE;
import static io.tracepoint4j.ctf.EventEncoder.INT;
import static io.tracepoint4j.ctf.EventEncoder.LONG;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * One stream of a trace, as a file: an exact concatenation of packets, each appended whole by
 * {@link #append(MemorySegment)} from a buffer that {@link Packets#finish} made a packet. Made by
 * {@link CtfTrace#openStream(int, long)}.
 *
 * <p>The file never holds anything but whole packets (babeltrace2 refuses a stream file with
 * trailing bytes: "Invalid CTF magic number", or "Invalid packet size"): {@code append} writes
 * exactly {@code packet_size} bytes, however large the buffer, and when a write fails (disk full), it
 * cuts the file back to its last complete packet before throwing, so that the trace stays readable
 * up to there. The lost packet shows as a gap in the sequence numbers of the packets that follow.
 *
 * <p>{@code append} checks each packet against the stream and the packet before it: the header's
 * magic number, trace UUID, stream class and instance; sizes within the buffer; a sequence number
 * above the previous one; a running total of discarded events that does not decrease; a packet that
 * does not begin before the previous one ended. A packet that fails is refused with {@link
 * IllegalArgumentException}, and the file is left as it was.
 *
 * <p>Thread-safe: appends are serialized, each written whole before the next begins.
 */
public final class StreamFile implements Closeable {
    /*
     * Overview
     *   A FileChannel written with positional writes at `size`, the end of the last complete
     *   packet. Nothing but `append` writes the file, so `size` is the file's length whenever no
     *   append is running, and the length the file is cut back to when one fails.
     *
     * Concurrency
     *   Every method that reads or writes state is synchronized on this object: one lock, held for a
     *   whole append, so packets never interleave. No other lock is taken while it is held: append()
     *   has its trace force the metadata ("Metadata first" in CtfTrace) before it takes it.
     *
     * Failure modes
     *   A write that throws leaves part of a packet after `size`: `append` truncates the channel to
     *   `size` and rethrows, naming the packet and the length kept; the stream stays usable. If the
     *   truncation fails too, the file may end in a partial packet: the stream is marked broken
     *   (later appends throw, naming the first failure) and the message says how many bytes of the
     *   file are whole packets.
     */

    private final CtfTrace trace;
    private final Path path;
    private final FileChannel channel;
    private final PacketLayout layout;
    private final long streamInstanceId;

    /** Bytes of complete packets: the file's length between appends. */
    private long size;

    private long packetCount;
    private long lastSequenceNumber;
    private long lastEventsDiscarded;
    private long lastTimestampEnd;
    /** Why the file may end in a partial packet, once a write failed and could not be undone. */
    private IOException broken;

    private boolean closed;

    /**
     * A stream file of {@code trace} writing through {@code channel} (an empty file at {@code
     * path}); tests pass a channel that fails on purpose.
     */
    StreamFile(CtfTrace trace, Path path, FileChannel channel, PacketLayout layout, long streamInstanceId) {
        this.trace = trace;
        this.path = path;
        this.channel = channel;
        this.layout = layout;
        this.streamInstanceId = streamInstanceId;
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** The layout of this stream's packets. */
    public PacketLayout layout() {
        return layout;
    }

    /** The id of the stream's class. */
    public int streamClassId() {
        return layout.streamClassId();
    }

    /** The stream's instance id within its class. */
    public long streamInstanceId() {
        return streamInstanceId;
    }

    /** New packet fields for this stream's packets ({@link PacketLayout#newPacketFields(long)}). */
    public PacketFields newPacketFields() {
        return layout.newPacketFields(streamInstanceId);
    }

    /** The bytes of the packets appended so far: the file's length. */
    public synchronized long size() {
        return size;
    }

    /** The number of packets appended so far. */
    public synchronized long packetCount() {
        return packetCount;
    }

    /**
     * Appends a packet that {@link Packets#finish} finished: its first {@code packet_size} bytes,
     * written from the segment itself (no copy of the events is made here).
     *
     * @param packet the packet from its first byte; may be larger than {@code packet_size} (a whole
     *     sub-buffer), the rest is not written
     * @throws IllegalArgumentException if the packet is not a finished packet of this stream, or
     *     breaks the order of the stream (see the class comment); the file is unchanged
     * @throws IOException if writing fails, the packet's or the metadata's (see {@link
     *     CtfTrace#addEventClass}); the file is cut back to its last complete packet, as the message
     *     says
     * @throws IllegalStateException if the stream file is closed
     */
    public void append(MemorySegment packet) throws IOException {
        trace.syncMetadata(); // the classes its events may use are on the device first, outside this lock
        appendPacket(packet);
    }

    private synchronized void appendPacket(MemorySegment packet) throws IOException {
        if (closed) {
            throw new IllegalStateException("stream file " + path + " is closed; open a new stream to write more");
        }
        if (broken != null) {
            throw new IOException(
                    "stream file " + path + " is unusable since an earlier write failed and could not be undone: "
                            + broken.getMessage(),
                    broken);
        }
        long packetSize = check(packet);
        ByteBuffer buffer = packet.asSlice(0, packetSize).asByteBuffer();
        long position = size;
        try {
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
        } catch (IOException e) {
            throw cutBack(e, position - size, packetSize);
        }
        size = position;
        packetCount++;
        lastSequenceNumber = packet.get(LONG, PacketContextDescriptor.PACKET_SEQ_NUM_OFFSET);
        lastEventsDiscarded = packet.get(LONG, PacketContextDescriptor.EVENTS_DISCARDED_OFFSET);
        lastTimestampEnd = packet.get(LONG, PacketContextDescriptor.TIMESTAMP_END_OFFSET);
    }

    /**
     * {@link #append(MemorySegment)} for a packet held by a {@link ByteBuffer}: the packet is the
     * buffer's content from its position on; position and limit are left unchanged.
     */
    public void append(ByteBuffer packet) throws IOException {
        append(MemorySegment.ofBuffer(packet));
    }

    /** Forces what was appended to the storage device, and closes the file. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (FileChannel c = channel) {
            if (broken == null) {
                c.force(true);
            }
        }
    }

    /** Whether {@link #close()} was called. */
    synchronized boolean isClosed() {
        return closed;
    }

    /** Checks {@code packet} against this stream (see the class comment); returns its size in bytes. */
    private long check(MemorySegment packet) {
        long bytes = packet.byteSize();
        if (bytes < layout.eventsOffset()) {
            throw refused(
                    packet,
                    "the segment holds " + bytes + " bytes, less than the packet header and context ("
                            + layout.eventsOffset() + "); pass the packet from its first byte");
        }
        int magic = packet.get(INT, PacketHeaderDescriptor.MAGIC_OFFSET);
        if (magic != PacketHeaderDescriptor.MAGIC) {
            throw refused(
                    packet,
                    "magic number 0x" + Integer.toHexString(magic)
                            + " is not 0xc1fc1fc1: the packet was not finished; call Packets.finish first");
        }
        byte[] uuid = layout.uuidBytes();
        for (int i = 0; i < uuid.length; i++) {
            if (packet.get(BYTE, PacketHeaderDescriptor.UUID_OFFSET + i) != uuid[i]) {
                throw refused(
                        packet,
                        "the header's trace UUID is not this trace's; finish it with this trace's" + " PacketLayout");
            }
        }
        int streamId = packet.get(INT, PacketHeaderDescriptor.STREAM_ID_OFFSET);
        long instance = packet.get(LONG, PacketHeaderDescriptor.STREAM_INSTANCE_ID_OFFSET);
        if (streamId != layout.streamClassId() || instance != streamInstanceId) {
            throw refused(
                    packet,
                    "the packet belongs to stream " + streamId + "/" + instance + "; finish it with"
                            + " this stream's PacketFields (StreamFile.newPacketFields())");
        }
        long contentBits = packet.get(LONG, PacketContextDescriptor.CONTENT_SIZE_OFFSET);
        long packetBits = packet.get(LONG, PacketContextDescriptor.PACKET_SIZE_OFFSET);
        if (packetBits % 8 != 0 || packetBits < 0) {
            throw refused(packet, "packet_size " + packetBits + " bits is not a whole number of bytes");
        }
        if (packetBits / 8 > bytes) {
            throw refused(
                    packet,
                    "packet_size (" + packetBits / 8 + " bytes) is larger than the segment (" + bytes
                            + " bytes); pass the whole packet");
        }
        if (contentBits < layout.eventsOffset() * 8L || contentBits > packetBits) {
            throw refused(
                    packet,
                    "content_size " + contentBits + " bits is not between the header and context ("
                            + layout.eventsOffset() * 8L + " bits) and packet_size (" + packetBits + " bits)");
        }
        long sequence = packet.get(LONG, PacketContextDescriptor.PACKET_SEQ_NUM_OFFSET);
        long discarded = packet.get(LONG, PacketContextDescriptor.EVENTS_DISCARDED_OFFSET);
        long begin = packet.get(LONG, PacketContextDescriptor.TIMESTAMP_BEGIN_OFFSET);
        long end = packet.get(LONG, PacketContextDescriptor.TIMESTAMP_END_OFFSET);
        if (begin < 0 || end < begin) {
            throw refused(packet, "timestamps " + begin + ".." + end + " do not satisfy 0 <= begin <= end");
        }
        if (packetCount > 0) {
            if (Long.compareUnsigned(sequence, lastSequenceNumber) <= 0) {
                throw refused(
                        packet,
                        "packet_seq_num " + sequence + " is not above the previous packet's " + lastSequenceNumber
                                + "; number a stream's packets 0, 1, 2, ... (a gap marks lost packets)");
            }
            if (Long.compareUnsigned(discarded, lastEventsDiscarded) < 0) {
                throw refused(
                        packet,
                        "events_discarded " + discarded + " is below the previous packet's "
                                + lastEventsDiscarded + "; it is a running total of the stream's lost events and never"
                                + " decreases (babeltrace2 would report the difference as a huge unsigned count)");
            }
            if (begin < lastTimestampEnd) {
                throw refused(
                        packet,
                        "timestamp_begin " + begin + " is before the previous packet's timestamp_end "
                                + lastTimestampEnd + "; a stream's packets must not go back in time");
            }
        }
        return packetBits / 8;
    }

    private IllegalArgumentException refused(MemorySegment packet, String why) {
        long number = packet.byteSize() >= layout.eventsOffset()
                ? packet.get(LONG, PacketContextDescriptor.PACKET_SEQ_NUM_OFFSET)
                : -1;
        return new IllegalArgumentException("stream file " + path + " refuses packet " + number + ": " + why);
    }

    /**
     * Undoes a failed write of a packet of {@code packetSize} bytes, {@code written} of which reached
     * the file; returns the exception to throw.
     */
    private IOException cutBack(IOException failure, long written, long packetSize) {
        String what = "writing a packet of " + packetSize + " bytes to stream file " + path + " failed after " + written
                + " bytes (" + FileErrors.reason(failure, path) + ")";
        try {
            channel.truncate(size);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
            IOException fatal = new IOException(
                    what + ", and cutting the file back to its last complete packet failed too ("
                            + e.getMessage() + "): only its first " + size + " bytes (" + packetCount
                            + " packets) are whole; truncate it to that length before reading it",
                    failure);
            broken = fatal;
            return fatal;
        }
        return new IOException(
                what + "; the file was cut back to its last complete packet (" + size + " bytes, " + packetCount
                        + " packets) and stays readable; the packet is lost",
                failure);
    }
}
