package io.tracepoint4j.ctf;

import static io.tracepoint4j.ctf.EventEncoder.BYTE;
import static io.tracepoint4j.ctf.EventEncoder.CHAR;
import static io.tracepoint4j.ctf.EventEncoder.DOUBLE;
import static io.tracepoint4j.ctf.EventEncoder.FLOAT;
import static io.tracepoint4j.ctf.EventEncoder.INT;
import static io.tracepoint4j.ctf.EventEncoder.LONG;
import static io.tracepoint4j.ctf.EventEncoder.SHORT;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * Reads the CTF traces this module writes: the metadata, the packets of every stream file, and the
 * events of all streams merged in timestamp order, with their field values as Java objects (see
 * {@link CtfEvent}). For tests and text views: it checks the layout of everything it reads (packet
 * headers, sizes, event records, strings) and says where a trace is broken, rather than reading
 * fast. It does not check the order the packets' counters and times claim (sequence numbers,
 * discarded-event totals, event times within their packet's): it reports what they say, as
 * babeltrace2's counts do, a damaged trace's included. Other CTF producers' traces (LTTng's, say)
 * are refused, since it reads only the metadata subset this module writes.
 *
 * <pre>{@code
 * try (CtfReader reader = CtfReader.open(folder)) {
 *     for (CtfEvent event : reader) {
 *         System.out.println(CtfReader.format(event));
 *     }
 * }
 * }</pre>
 *
 * <p>Losses are visible as babeltrace2 shows them: per packet ({@link CtfPacket#discardedEventsBefore()},
 * {@link CtfPacket#droppedPacketsBefore()}) and in total ({@link #discardedEvents()}, {@link
 * #droppedPackets()}), counted between packets; what a stream's first packet says came before it,
 * which babeltrace2 reports without a number ("may have discarded"), only as {@link
 * #mayHaveLostBefore()}.
 *
 * <p>The stream files are mapped into memory until {@link #close()}. Not thread-safe.
 */
public final class CtfReader implements Iterable<CtfEvent>, Closeable {
    private final Path folder;
    private final TraceMetadata metadata;
    private final Arena arena;
    private final List<StreamData> streams;
    private final List<CtfPacket> packets;
    private final Map<Integer, Map<Integer, EventClass>> eventClasses = new HashMap<>();

    /** A stream file: its mapped bytes and packets. */
    private static final class StreamData {
        final Path file;
        final MemorySegment bytes;
        final List<CtfPacket> packets = new ArrayList<>();

        StreamData(Path file, MemorySegment bytes) {
            this.file = file;
            this.bytes = bytes;
        }
    }

    private CtfReader(Path folder, TraceMetadata metadata, Arena arena) {
        this.folder = folder;
        this.metadata = metadata;
        this.arena = arena;
        this.streams = new ArrayList<>();
        this.packets = new ArrayList<>();
        for (StreamClass streamClass : metadata.streamClasses()) {
            Map<Integer, EventClass> byId = new HashMap<>();
            for (EventClass eventClass : streamClass.eventClasses()) {
                byId.put(eventClass.id(), eventClass);
            }
            eventClasses.put(streamClass.id(), byId);
        }
    }

    /**
     * Opens the trace in {@code folder}: reads its metadata, maps its stream files (every regular file
     * but {@code metadata} and hidden ones) and finds their packets.
     *
     * @throws IOException naming the file and offset, if the folder holds no trace, or a file is not
     *     what this module writes (e.g. a stream file that ends in a partial packet)
     */
    public static CtfReader open(Path folder) throws IOException {
        Path metadataFile = folder.resolve(CtfTrace.METADATA);
        if (!Files.isRegularFile(metadataFile)) {
            throw new NoSuchFileException(null, null, "no CTF trace in " + folder + ": it has no metadata file");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(metadataFile)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IOException(metadataFile + " is not UTF-8 text: not metadata this module wrote", e);
        }
        TraceMetadata metadata;
        try {
            metadata = TraceMetadata.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IOException(metadataFile + ": " + e.getMessage(), e);
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.equals(CtfTrace.METADATA) && !name.startsWith(".") && Files.isRegularFile(entry)) {
                    files.add(entry);
                }
            }
        }
        Collections.sort(files);
        Arena arena = Arena.ofShared();
        CtfReader reader = new CtfReader(folder, metadata, arena);
        try {
            for (Path file : files) {
                reader.index(file);
            }
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
        return reader;
    }

    /** The trace's folder. */
    public Path folder() {
        return folder;
    }

    /** The trace's metadata. */
    public TraceMetadata metadata() {
        return metadata;
    }

    /** The stream files, sorted by name. */
    public List<Path> streamFiles() {
        List<Path> files = new ArrayList<>();
        for (StreamData stream : streams) {
            files.add(stream.file);
        }
        return files;
    }

    /** Every packet, stream file by stream file (in name order), each file's in file order. */
    public List<CtfPacket> packets() {
        return Collections.unmodifiableList(packets);
    }

    /** The events lost in all streams: the sum of {@link CtfPacket#discardedEventsBefore()}. */
    public long discardedEvents() {
        long total = 0;
        for (CtfPacket packet : packets) {
            total += packet.discardedEventsBefore();
        }
        return total;
    }

    /** The packets lost in all streams: the sum of {@link CtfPacket#droppedPacketsBefore()}. */
    public long droppedPackets() {
        long total = 0;
        for (CtfPacket packet : packets) {
            total += packet.droppedPacketsBefore();
        }
        return total;
    }

    /**
     * Whether a stream's first packet says that events or packets were lost before it ({@link
     * CtfPacket#mayHaveLostBefore()}): losses this trace alone cannot number, left out of {@link
     * #discardedEvents()} and {@link #droppedPackets()}.
     */
    public boolean mayHaveLostBefore() {
        for (CtfPacket packet : packets) {
            if (packet.mayHaveLostBefore()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The events of all streams, merged by timestamp (events of equal timestamps in stream file
     * order, then record order), decoded as the iteration reaches them.
     *
     * @throws UncheckedIOException from {@code next()}, naming the file and offset, if an event
     *     record is broken
     */
    @Override
    public Iterator<CtfEvent> iterator() {
        checkOpen();
        final PriorityQueue<Cursor> queue = new PriorityQueue<>(Math.max(1, streams.size()), CursorOrder.INSTANCE);
        for (int i = 0; i < streams.size(); i++) {
            Cursor cursor = new Cursor(streams.get(i), i);
            if (cursor.advance()) {
                queue.add(cursor);
            }
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !queue.isEmpty();
            }

            @Override
            public CtfEvent next() {
                Cursor cursor = queue.poll();
                if (cursor == null) {
                    throw new NoSuchElementException("no more events");
                }
                CtfEvent event = cursor.current;
                if (cursor.advance()) {
                    queue.add(cursor);
                }
                return event;
            }
        };
    }

    /**
     * Every event, merged by timestamp ({@link #iterator()}).
     *
     * @throws IOException naming the file and offset, if an event record is broken
     */
    public List<CtfEvent> events() throws IOException {
        List<CtfEvent> events = new ArrayList<>();
        try {
            for (CtfEvent event : this) {
                events.add(event);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return events;
    }

    /**
     * One line of text for {@code event}, in the manner of ftrace's output: the stream instance
     * (right-aligned, where ftrace puts the task), the stream class (where ftrace puts the CPU), the
     * time in seconds on the trace's clock (since boot for {@link CtfClock#monotonic()}, as ftrace's
     * is), the event name, then the packet's own context fields and the event's fields as {@code
     * name=value}:
     *
     * <pre>
     *               7 [000]  5075.185424113: my_app:request: tid=12 status=200 path="/index.html"
     * </pre>
     *
     * Strings are quoted with Java escapes, chars in single quotes, byte arrays as {@code
     * {0x01,0xff}}, enums as their label, unsigned 64-bit integers unsigned.
     */
    public static String format(CtfEvent event) {
        StringBuilder out = new StringBuilder(128);
        String instance = Long.toUnsignedString(event.streamInstanceId());
        for (int pad = instance.length(); pad < 16; pad++) {
            out.append(' ');
        }
        out.append(instance).append(" [");
        String streamClass = Integer.toString(event.streamClassId());
        for (int pad = streamClass.length(); pad < 3; pad++) {
            out.append('0');
        }
        out.append(streamClass).append("] ");
        long nanos = event.clock().toNanos(event.timestamp());
        String seconds = Long.toUnsignedString(Long.divideUnsigned(nanos, 1_000_000_000L));
        String fraction = Long.toString(Long.remainderUnsigned(nanos, 1_000_000_000L));
        for (int pad = seconds.length(); pad < 5; pad++) {
            out.append(' ');
        }
        out.append(seconds).append('.');
        for (int pad = fraction.length(); pad < 9; pad++) {
            out.append('0');
        }
        out.append(fraction).append(": ").append(event.name()).append(':');
        appendFields(out, event.context(), event.packet().contextFields(), null);
        appendFields(out, event.fields(), event.eventClass().fields(), null);
        return out.toString();
    }

    /** Unmaps the stream files; events read before stay usable. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    // --- packets -----------------------------------------------------------------------------------

    private void index(Path file) throws IOException {
        MemorySegment bytes;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            bytes = size == 0
                    ? MemorySegment.ofArray(new byte[0])
                    : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
        StreamData stream = new StreamData(file, bytes);
        long size = bytes.byteSize();
        long offset = 0;
        CtfPacket previous = null;
        while (offset < size) {
            CtfPacket packet = packet(stream, offset, previous);
            stream.packets.add(packet);
            packets.add(packet);
            previous = packet;
            offset += packet.packetSize();
        }
        streams.add(stream);
    }

    private CtfPacket packet(StreamData stream, long offset, CtfPacket previous) throws IOException {
        MemorySegment bytes = stream.bytes;
        long left = bytes.byteSize() - offset;
        if (left < PacketContextDescriptor.CUSTOM_OFFSET) {
            throw partialPacket(
                    stream,
                    offset,
                    "the file ends in a partial packet (" + left + " bytes, less than a packet"
                            + " header and context): a stream file must be an exact concatenation of packets");
        }
        int magic = bytes.get(INT, offset + PacketHeaderDescriptor.MAGIC_OFFSET);
        if (magic != PacketHeaderDescriptor.MAGIC) {
            throw broken(
                    stream,
                    offset,
                    "magic number 0x" + Integer.toHexString(magic) + " is not 0xc1fc1fc1: no"
                            + " packet starts here (a stream file must be an exact concatenation of packets)");
        }
        byte[] uuid =
                metadata.packetLayout(metadata.streamClasses().get(0).id()).uuidBytes(); // one per trace
        for (int i = 0; i < uuid.length; i++) {
            if (bytes.get(BYTE, offset + PacketHeaderDescriptor.UUID_OFFSET + i) != uuid[i]) {
                throw broken(
                        stream,
                        offset,
                        "the packet's trace UUID is not the metadata's: the file belongs to" + " another trace");
            }
        }
        int streamId = bytes.get(INT, offset + PacketHeaderDescriptor.STREAM_ID_OFFSET);
        long instance = bytes.get(LONG, offset + PacketHeaderDescriptor.STREAM_INSTANCE_ID_OFFSET);
        PacketLayout layout;
        try {
            layout = metadata.packetLayout(streamId);
        } catch (IllegalArgumentException e) {
            throw broken(stream, offset, e.getMessage());
        }
        if (previous != null && (previous.streamClassId() != streamId || previous.streamInstanceId() != instance)) {
            throw broken(
                    stream,
                    offset,
                    "the packet belongs to stream " + streamId + "/" + instance + ", the file's" + " first packet to "
                            + previous.streamClassId() + "/" + previous.streamInstanceId());
        }
        long contentBits = bytes.get(LONG, offset + PacketContextDescriptor.CONTENT_SIZE_OFFSET);
        long packetBits = bytes.get(LONG, offset + PacketContextDescriptor.PACKET_SIZE_OFFSET);
        if (packetBits % 8 != 0 || contentBits % 8 != 0) {
            throw broken(
                    stream,
                    offset,
                    "content_size " + Long.toUnsignedString(contentBits) + " or packet_size "
                            + Long.toUnsignedString(packetBits) + " bits is not a whole number of bytes");
        }
        if (contentBits < layout.eventsOffset() * 8L || Long.compareUnsigned(contentBits, packetBits) > 0) {
            throw broken(
                    stream,
                    offset,
                    "content_size " + Long.toUnsignedString(contentBits) + " bits is not between the header and"
                            + " context (" + layout.eventsOffset() * 8L + " bits) and packet_size ("
                            + Long.toUnsignedString(packetBits) + " bits)");
        }
        if (Long.compareUnsigned(packetBits >>> 3, left) > 0) { // the bytes of an unsigned bit count
            long next = nextMagic(bytes, offset + 1);
            if (next >= 0) { // not the file's last packet cut short: its size is damaged
                throw broken(
                        stream,
                        offset,
                        "packet_size " + Long.toUnsignedString(packetBits >>> 3) + " bytes runs past the end of the"
                                + " file (" + left + " bytes left), yet another packet begins at offset " + next
                                + ": the packet's size is damaged");
            }
            throw partialPacket(
                    stream,
                    offset,
                    "packet_size " + Long.toUnsignedString(packetBits >>> 3) + " bytes runs past the end of the file ("
                            + left + " bytes left): the file ends in a partial packet");
        }
        Map<String, Object> context = new LinkedHashMap<>();
        List<Field> contextFields = layout.streamClass().contextFields();
        for (int i = 0; i < contextFields.size(); i++) {
            Field field = contextFields.get(i);
            context.put(field.shownName(), fixed(bytes, offset + layout.contextOffset(i), field));
        }
        long discarded = bytes.get(LONG, offset + PacketContextDescriptor.EVENTS_DISCARDED_OFFSET);
        long sequence = bytes.get(LONG, offset + PacketContextDescriptor.PACKET_SEQ_NUM_OFFSET);
        // a stream's first packet: what its counts say came before may lie in another trace (see
        // CtfPacket.mayHaveLostBefore()), as babeltrace2 takes it
        long discardedBefore = previous == null ? 0 : discarded - previous.eventsDiscarded();
        long droppedBefore = previous == null ? 0 : sequence - previous.sequenceNumber() - 1;
        return new CtfPacket(
                stream.file,
                offset,
                streamId,
                instance,
                bytes.get(LONG, offset + PacketContextDescriptor.TIMESTAMP_BEGIN_OFFSET),
                bytes.get(LONG, offset + PacketContextDescriptor.TIMESTAMP_END_OFFSET),
                contentBits / 8,
                packetBits / 8,
                discarded,
                sequence,
                Collections.unmodifiableMap(context),
                contextFields,
                discardedBefore,
                droppedBefore,
                previous == null && (discarded != 0 || sequence != 0));
    }

    // --- events ------------------------------------------------------------------------------------

    /** A stream's position in the merge: its packet, the next record's offset, the event read last. */
    private final class Cursor {
        final StreamData stream;
        final int order;
        int packetIndex = -1;
        long position;
        long contentEnd;
        CtfEvent current;

        Cursor(StreamData stream, int order) {
            this.stream = stream;
            this.order = order;
        }

        /** Reads the next event into {@link #current}; false at the end of the stream. */
        boolean advance() {
            while (packetIndex < 0 || position >= contentEnd) {
                if (++packetIndex >= stream.packets.size()) {
                    current = null;
                    return false;
                }
                CtfPacket packet = stream.packets.get(packetIndex);
                position = packet.offset()
                        + metadata.packetLayout(packet.streamClassId()).eventsOffset();
                contentEnd = packet.offset() + packet.contentSize();
            }
            try {
                current = event(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return true;
        }
    }

    /** Orders cursors by their current event's timestamp, then by stream file. */
    private static final class CursorOrder implements Comparator<Cursor> {
        static final CursorOrder INSTANCE = new CursorOrder();

        @Override
        public int compare(Cursor a, Cursor b) {
            int byTime = Long.compareUnsigned(a.current.timestamp(), b.current.timestamp());
            return byTime != 0 ? byTime : Integer.compare(a.order, b.order);
        }
    }

    private CtfEvent event(Cursor cursor) throws IOException {
        StreamData stream = cursor.stream;
        CtfPacket packet = stream.packets.get(cursor.packetIndex);
        PacketLayout layout = metadata.packetLayout(packet.streamClassId());
        MemorySegment bytes = stream.bytes;
        long start = cursor.position;
        long end = cursor.contentEnd;
        int idBits = layout.streamClass().eventIdBits();
        need(stream, start, layout.eventHeaderSize(), end, "an event header");
        int id = idBits == 16 ? bytes.get(SHORT, start) & 0xFFFF : bytes.get(INT, start);
        long timestamp = bytes.get(LONG, start + EventHeaderDescriptor.timestampOffset(idBits));
        EventClass eventClass = eventClasses.get(packet.streamClassId()).get(id);
        if (eventClass == null) {
            throw broken(
                    stream,
                    start,
                    "event id " + Integer.toUnsignedString(id) + " is not an event class of stream" + " class "
                            + packet.streamClassId() + " in the metadata");
        }
        long at = start + layout.eventHeaderSize();
        Map<String, Object> values = new LinkedHashMap<>();
        for (Field field : eventClass.fields()) {
            String what = "field " + field.shownName() + " of " + Tsdl.quoteForMessage(eventClass.name());
            switch (field.type()) {
                case STRING -> {
                    long nul = at;
                    while (nul < end && bytes.get(BYTE, nul) != 0) {
                        nul++;
                    }
                    if (nul >= end) {
                        throw broken(
                                stream, at, what + " has no terminating NUL before the end of the packet's content");
                    }
                    values.put(field.shownName(), utf8(bytes, at, nul, stream, what));
                    at = nul + 1;
                }
                case BYTES -> {
                    need(stream, at, 4, end, what);
                    long length = bytes.get(INT, at) & 0xFFFFFFFFL;
                    need(stream, at + 4, length, end, what);
                    values.put(field.shownName(), bytes.asSlice(at + 4, length).toArray(BYTE));
                    at += 4 + length;
                }
                default -> {
                    need(stream, at, field.type().size(), end, what);
                    values.put(field.shownName(), fixed(bytes, at, field));
                    at += field.type().size();
                }
            }
        }
        cursor.position = at;
        return new CtfEvent(packet, eventClass, timestamp, Collections.unmodifiableMap(values), metadata.clock());
    }

    /** The value of a fixed-size field at {@code at} (see {@link CtfEvent} for the Java types). */
    private static Object fixed(MemorySegment bytes, long at, Field field) {
        return switch (field.type()) {
            case INT8 -> (int) bytes.get(BYTE, at);
            case UINT8 -> bytes.get(BYTE, at) & 0xFF;
            case INT16 -> (int) bytes.get(SHORT, at);
            case UINT16 -> bytes.get(SHORT, at) & 0xFFFF;
            case INT32 -> bytes.get(INT, at);
            case UINT32 -> bytes.get(INT, at) & 0xFFFFFFFFL;
            case INT64, UINT64 -> bytes.get(LONG, at);
            case FLOAT -> bytes.get(FLOAT, at);
            case DOUBLE -> bytes.get(DOUBLE, at);
            case BOOLEAN -> bytes.get(BYTE, at) != 0;
            case CHAR -> bytes.get(CHAR, at);
            case ENUM -> {
                int value = bytes.get(INT, at);
                if (value == -1) {
                    yield EventEncoder.NULL_STRING; // a null enum (EventEncoder.putEnum)
                }
                yield value >= 0 && value < field.labels().size()
                        ? field.labels().get(value)
                        : (Object) value;
            }
            case STRING, BYTES -> throw new IllegalArgumentException(field + " has no fixed size");
        };
    }

    private static String utf8(MemorySegment bytes, long from, long to, StreamData stream, String what)
            throws IOException {
        byte[] raw = bytes.asSlice(from, to - from).toArray(BYTE);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw))
                    .toString();
        } catch (CharacterCodingException e) {
            throw broken(stream, from, what + " is not valid UTF-8");
        }
    }

    private static void need(StreamData stream, long at, long bytes, long end, String what) throws IOException {
        if (at + bytes > end) {
            throw broken(
                    stream,
                    at,
                    what + " (" + bytes + " bytes) runs past the end of the packet's content (offset " + end + ")");
        }
    }

    private static IOException broken(StreamData stream, long offset, String why) {
        return new IOException("stream file " + stream.file + ", offset " + offset + ": " + why);
    }

    /**
     * As broken(), for a file cut short in its last packet (a writer killed in mid-write, a disk
     * that filled up): an EOFException, whose message says the fix. babeltrace2 refuses such a
     * trace as this reader does; cutting the file at the packet's start keeps every whole packet
     * before it.
     */
    private static java.io.EOFException partialPacket(StreamData stream, long offset, String why) {
        return new java.io.EOFException("stream file " + stream.file + ", offset " + offset + ": " + why
                + "; to read the packets before it (babeltrace2 too), once no tracer writes it any more, cut the"
                + " file there: truncate -s " + offset + " " + shellQuoted(stream.file.toString()));
    }

    /**
     * Where the next packet's magic number lies at or after {@code from}, or -1: a packet that runs
     * past the end of its file with another one after it was damaged, not cut short.
     */
    private static long nextMagic(MemorySegment bytes, long from) {
        for (long at = from; at + Integer.BYTES <= bytes.byteSize(); at++) {
            if (bytes.get(INT, at) == PacketHeaderDescriptor.MAGIC) {
                return at;
            }
        }
        return -1;
    }

    /** {@code text} in single quotes for a POSIX shell, each single quote in it written '\\''. */
    private static String shellQuoted(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    /**
     * Appends {@code " name=value"} for each of {@code values}, in the notation of {@link
     * #format(CtfEvent)}, leaving out the field named {@code skipped}: for tools that lay out lines
     * of their own around the same values (the text view of {@code tp view}).
     *
     * @param values field values by name, in declaration order ({@link CtfEvent#fields()}, {@link
     *     CtfEvent#context()})
     * @param fields their declarations, in the same order, for enums and unsigned integers; may be
     *     null
     * @param skipped the name of a field to leave out, or null
     */
    public static void appendFields(StringBuilder out, Map<String, Object> values, List<Field> fields, String skipped) {
        int i = 0;
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            FieldType type = fields != null && i < fields.size() ? fields.get(i).type() : null;
            i++;
            if (entry.getKey().equals(skipped)) {
                continue;
            }
            out.append(' ').append(entry.getKey()).append('=');
            Object value = entry.getValue();
            if (value instanceof String s && type != FieldType.ENUM) {
                quote(out, s, '"');
            } else if (value instanceof Character c) {
                quote(out, String.valueOf(c), '\'');
            } else if (value instanceof byte[] array) {
                out.append('{');
                for (int k = 0; k < array.length; k++) {
                    out.append(k == 0 ? "0x" : ",0x");
                    out.append(Character.forDigit((array[k] >> 4) & 0xF, 16))
                            .append(Character.forDigit(array[k] & 0xF, 16));
                }
                out.append('}');
            } else if (value instanceof Long l && type == FieldType.UINT64) {
                out.append(Long.toUnsignedString(l));
            } else {
                out.append(value);
            }
        }
    }

    /**
     * Appends {@code text} with its control characters escaped as {@link #format(CtfEvent)} escapes
     * them ({@code \n}, {@code \t}, {@code \r}, {@code \xNN}; {@code \}{@code uNNNN} for the
     * characters that could break or reorder a line, U+0085, U+2028, U+202E and their kind), without
     * quotes: for a name shown bare, such as a thread's.
     */
    public static void appendEscaped(StringBuilder out, String text) {
        escape(out, text, '\0');
    }

    private static void quote(StringBuilder out, String s, char quote) {
        out.append(quote);
        escape(out, s, quote);
        out.append(quote);
    }

    /** {@code s} with escapes for control characters, and for {@code quote} and backslashes unless quote is NUL. */
    private static void escape(StringBuilder out, String s, char quote) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != '\0' && (c == quote || c == '\\')) {
                out.append('\\').append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c < 0x20 || c == 0x7f) {
                out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
            } else if (breaksTheLine(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
    }

    /**
     * Whether {@code c} can end or reorder a line on a terminal or for a line reader: the C1
     * controls (NEL, U+0085, is a newline to some), the line and paragraph separators, and the
     * format characters (bidirectional overrides such as U+202E, zero-width ones), which an event
     * could use to make its line look like another's.
     */
    private static boolean breaksTheLine(char c) {
        int type = Character.getType(c);
        return type == Character.CONTROL
                || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.FORMAT;
    }

    private void checkOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("the reader of " + folder + " is closed");
        }
    }
}
