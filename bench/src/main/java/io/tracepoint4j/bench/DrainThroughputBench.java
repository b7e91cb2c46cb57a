package io.tracepoint4j.bench;

import io.tracepoint4j.ctf.CtfTrace;
import io.tracepoint4j.ctf.EventClass;
import io.tracepoint4j.ctf.EventEncoder;
import io.tracepoint4j.ctf.Field;
import io.tracepoint4j.ctf.FieldType;
import io.tracepoint4j.ctf.PacketFields;
import io.tracepoint4j.ctf.PacketLayout;
import io.tracepoint4j.ctf.Packets;
import io.tracepoint4j.ctf.StreamClass;
import io.tracepoint4j.ctf.StreamFile;
import io.tracepoint4j.ctf.TraceMetadata;
import io.tracepoint4j.ringbuffer.Clock;
import io.tracepoint4j.ringbuffer.RingBuffer;
import io.tracepoint4j.ringbuffer.SubBuffer;
import io.tracepoint4j.ringbuffer.SubBufferConsumer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: how many MB/s does a session's consumer write, finishing each complete sub-buffer as a
 * CTF packet and appending it to its stream file, compared with plain {@link FileChannel} writes of
 * the same bytes in packets of the same size?
 *
 * <p>One op is a round of {@value #ROUND_BYTES} bytes: a ring buffer of exactly that many bytes
 * ({@code packetBytes} per sub-buffer), full of complete sub-buffers of 38-byte event records (the
 * record of {@link RecordEventBench}), written out. The invocation's set-up, not timed, fills the
 * ring through {@link RingBuffer#reserve}, the record's bytes and {@link RingBuffer#commit}, as
 * firing threads would. {@code writer}:
 *
 * <ul>
 *   <li>{@code fileChannel}, the <b>baseline</b>: the ring's sub-buffers written in ring order with
 *       positional {@link FileChannel#write(ByteBuffer, long)}, one whole sub-buffer per call, to a
 *       file of its own: the least a consumer must do;
 *   <li>{@code drain}: {@link RingBuffer#consume} handing each sub-buffer to a consumer that does
 *       exactly what the session's drain thread does with it ({@code ToStream} in the tracer's
 *       {@code tracer/src/main/java/io/tracepoint4j/tracer/Drain.java}: the packet fields from the
 *       sub-buffer, {@link Packets#finish}, {@link StreamFile#append}), through the same public
 *       {@code ringbuffer} and {@code ctf} calls; the drain is package-private, and this copies its
 *       dozen lines, so keep the two in step.
 * </ul>
 *
 * <p>Both files are in one folder under {@code java.io.tmpdir}; both writers write at a position of
 * their own that only grows. Each iteration's tear-down cuts both files to 0 bytes (they grow
 * sparse: the disk holds one iteration's packets at most, and the dirty pages cut off are never
 * written back), so this measures writes into the page cache, the drain's usual case; a disk slower
 * than that would slow both alike in a long recording.
 *
 * <p>How to read it: throughput in ops/us where an op is a byte ({@link OperationsPerInvocation}),
 * so the score is MB/s (10^6 bytes/s). {@code bench/report} gives {@code ×base}, the drain's
 * throughput over the baseline's. Target (issue 13): {@code drain} at least 0.50x {@code
 * fileChannel}. {@code packetBytes} is the sessions' default sub-buffer size; {@code -p
 * packetBytes=65536,1048576} tries others (a power of two from 4096 to {@value #ROUND_BYTES} / 2).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@OperationsPerInvocation(DrainThroughputBench.ROUND_BYTES)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {Jvm.NATIVE_ACCESS, Jvm.QUIET_UNSAFE})
@Threads(1)
@State(Scope.Benchmark)
public class DrainThroughputBench {

    /** Bytes per op: the ring holds exactly one round. */
    static final int ROUND_BYTES = 4 << 20;

    /** The event id of the records, and the stream class of the trace. */
    static final int EVENT_ID = 1;

    static final int STREAM_CLASS = 0;

    /** The route argument of every record, as in {@link RecordEventBench}. */
    static final String ROUTE = "/orders";

    /** Who writes the round; {@code fileChannel} is the baseline. */
    @Param({"fileChannel", "drain"})
    public String writer;

    /** Bytes per sub-buffer (packet). */
    @Param({"262144"})
    public int packetBytes;

    private Path folder;
    private CtfTrace trace;
    private FileChannel plain;
    private List<Path> files;
    private RingBuffer buffer;
    private MemorySegment memory;
    private int recordSize;
    private int headerSize;
    private int recordsPerRound;
    private long ticks;
    private Round round;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        if (Integer.bitCount(packetBytes) != 1 || packetBytes < 4096 || packetBytes > ROUND_BYTES / 2) {
            throw new IllegalArgumentException(
                    "packetBytes " + packetBytes + ": use a power of two from 4096 to " + ROUND_BYTES / 2);
        }
        TraceMetadata metadata = TraceMetadata.builder()
                .env("tracer_name", "tracepoint4j")
                .streamClass(StreamClass.builder(STREAM_CLASS)
                        .eventIdBits(16)
                        .eventClass(EventClass.of(
                                EVENT_ID,
                                "bench:record",
                                Field.of("tid", FieldType.INT64),
                                Field.of("id", FieldType.INT64),
                                Field.of("status", FieldType.INT32),
                                Field.of("route", FieldType.STRING)))
                        .build())
                .build();
        PacketLayout layout = metadata.packetLayout(STREAM_CLASS);
        headerSize = layout.eventHeaderSize();
        recordSize = headerSize + Long.BYTES + Long.BYTES + Integer.BYTES + (int) EventEncoder.stringSize(ROUTE);
        Clock clock = () -> ++ticks; // the filling thread's own: never decreases, costs nothing
        buffer = RingBuffer.builder()
                .subBufferSize(packetBytes)
                .subBufferCount(ROUND_BYTES / packetBytes)
                .headerSize(layout.eventsOffset())
                .mode(io.tracepoint4j.ringbuffer.Mode.DISCARD)
                .clock(clock)
                .timestampAt(headerSize - Long.BYTES)
                .build();
        memory = buffer.memory();
        recordsPerRound = (packetBytes - layout.eventsOffset()) / recordSize * (ROUND_BYTES / packetBytes);

        folder = TempFolder.create("DrainThroughputBench");
        trace = CtfTrace.create(folder.resolve("trace"), metadata);
        StreamFile stream = trace.openStream(STREAM_CLASS, 0);
        Path plainFile = folder.resolve("plain");
        plain = FileChannel.open(plainFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        files = List.of(stream.path(), plainFile);
        Object made; // not Round, so that only the class taken loads: see the note in Reader
        switch (writer) {
            case "fileChannel" -> made = new PlainWrites(plain, memory, packetBytes);
            case "drain" -> made = new ToStream(buffer, stream, packetBytes);
            default -> throw new IllegalArgumentException("unknown writer " + writer);
        }
        round = (Round) made;
    }

    /**
     * Not timed: releases what the last round wrote (nothing left for {@code drain}, which
     * consumed it), then fills the ring with complete sub-buffers of records.
     */
    @Setup(Level.Invocation)
    public void fill() {
        buffer.consume(sub -> {}, null);
        long tid = Thread.currentThread().threadId();
        for (int i = 0; i < recordsPerRound; i++) {
            long at = buffer.reserve(recordSize);
            if (at < 0) {
                throw new IllegalStateException("the ring refused a record (" + buffer.lostTotal()
                        + " lost): the last round did not consume every sub-buffer");
            }
            EventEncoder.putShort(memory, at, (short) EVENT_ID); // the timestamp follows: reserve wrote it
            long end = EventEncoder.putLong(memory, at + headerSize, tid);
            end = EventEncoder.putLong(memory, end, i);
            end = EventEncoder.putInt(memory, end, 200);
            EventEncoder.putString(memory, end, at + recordSize, ROUTE);
            buffer.commit(at, recordSize);
        }
        buffer.switchSubBuffer(); // closes the last one, as the drain's periodic flush does
    }

    /** Cuts both files to 0 bytes; their writers go on at their own positions (sparse). */
    @TearDown(Level.Iteration)
    public void cutFiles() throws IOException {
        for (Path file : files) {
            TempFolder.truncate(file);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            System.out.println("# " + writer + ": wrote " + round.bytes() / 1_000_000 + " MB in all");
            trace.close();
            plain.close();
        } finally {
            TempFolder.delete(folder);
        }
    }

    /** Writes out one round; returns the bytes written. */
    @Benchmark
    public long round() throws IOException {
        return round.write();
    }

    /** A round's writer; exactly one subclass is loaded per fork. */
    abstract static class Round {
        long bytes;

        abstract long write() throws IOException;

        long bytes() {
            return bytes;
        }
    }

    /** The baseline: each sub-buffer's bytes, written whole with positional writes. */
    static final class PlainWrites extends Round {
        private final FileChannel channel;
        private final ByteBuffer[] subBuffers;

        PlainWrites(FileChannel channel, MemorySegment memory, int packetBytes) {
            this.channel = channel;
            this.subBuffers = new ByteBuffer[(int) (memory.byteSize() / packetBytes)];
            for (int i = 0; i < subBuffers.length; i++) {
                subBuffers[i] =
                        memory.asSlice((long) i * packetBytes, packetBytes).asByteBuffer();
            }
        }

        @Override
        long write() throws IOException {
            long position = bytes;
            for (ByteBuffer subBuffer : subBuffers) {
                subBuffer.clear();
                while (subBuffer.hasRemaining()) {
                    position += channel.write(subBuffer, position);
                }
            }
            long written = position - bytes;
            bytes = position;
            return written;
        }
    }

    /**
     * The drain's way: each complete sub-buffer finished as a CTF packet in place and appended to
     * the stream file. {@link #accept} is the drain's {@code ToStream.accept}, call for call.
     */
    static final class ToStream extends Round implements SubBufferConsumer {
        private final RingBuffer buffer;
        private final StreamFile stream;
        private final int packetSize;
        private final PacketFields fields;

        ToStream(RingBuffer buffer, StreamFile stream, int packetSize) {
            this.buffer = buffer;
            this.stream = stream;
            this.packetSize = packetSize;
            this.fields = stream.newPacketFields();
        }

        @Override
        long write() throws IOException {
            int handed;
            try {
                handed = buffer.consume(this, null);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (handed != buffer.subBufferCount()) { // the round would count bytes not written
                throw new IllegalStateException("consumed " + handed + " of " + buffer.subBufferCount()
                        + " sub-buffers: the fill left one incomplete");
            }
            long written = (long) handed * packetSize;
            bytes += written;
            return written;
        }

        @Override
        public void accept(SubBuffer sub) {
            fields.timestampBegin(sub.beginTime())
                    .timestampEnd(sub.endTime())
                    .contentSize(sub.contentEnd())
                    .packetSize(packetSize)
                    .eventsDiscarded(sub.lostTotal())
                    .sequenceNumber(sub.sequence());
            Packets.finish(sub.memory(), fields);
            try {
                stream.append(sub.memory());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
