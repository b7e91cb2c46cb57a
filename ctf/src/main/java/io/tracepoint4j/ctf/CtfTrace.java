package io.tracepoint4j.ctf;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A CTF 1.8 trace being written: a folder holding the {@code metadata} file and one file per stream
 * ({@code stream-<class id>-<instance id>}), which {@code babeltrace2 FOLDER} reads.
 *
 * <pre>{@code
 * TraceMetadata metadata = TraceMetadata.builder()
 *         .env("hostname", hostname).env("tracer_name", "my-tracer")
 *         .streamClass(StreamClass.builder(0)
 *                 .eventClass(EventClass.of(0, "app:request", Field.of("status", FieldType.INT32)))
 *                 .build())
 *         .build();
 * try (CtfTrace trace = CtfTrace.create(folder, metadata)) {
 *     StreamWriter out = trace.openWriter(0, 1, 64 * 1024);
 *     long at = out.begin(0, System.nanoTime(), 4);
 *     out.commit(EventEncoder.putInt(out.segment(), at, 200));
 * } // closes the writer: its last packet is written
 * }</pre>
 *
 * <p>The folder is created {@code rwx------} and the files {@code rw-------} (where the file system
 * has POSIX permissions): a trace may hold anything a program logged. An existing empty folder is
 * used as it is; a folder that holds anything is refused (readers take every file in it for part of
 * the trace).
 *
 * <p>Thread-safe.
 */
public final class CtfTrace implements Closeable {
    /*
     * Overview
     *   Owns the metadata file (kept open: event classes added later are appended to it, as CTF
     *   allows) and the streams and writers it opened, which close() closes.
     *
     * Metadata first: a packet must never reach the storage device before the metadata that
     *   declares its events, or a trace cut short (the machine stopped, the disk full at write-back)
     *   could hold packets no reader can decode. The metadata written at create() is forced then;
     *   an event class added later is appended at once and forced by syncMetadata(), which every
     *   StreamFile.append() calls before it writes, and close() before the streams are forced: one
     *   device flush for the classes added since the last packet, not one per class on the thread
     *   that adds it (a tracepoint's definition, in an application's class initializer).
     *
     * Concurrency
     *   Every method that reads or writes state is synchronized on this object. Lock order: this
     *   trace, then a StreamFile's own lock (close() closes the writers and stream files while
     *   holding it). A StreamFile calls into the trace (syncMetadata()) only before it takes its
     *   own lock; a StreamWriter (which has no lock) calls hasEventClass() only from its writing
     *   thread, holding nothing.
     *
     * Failure modes
     *   An event block whose append fails is cut off the metadata file again, so that the file stays
     *   valid TSDL, and the event class is not added. A failed syncMetadata() leaves the classes
     *   added since the last force pending, in the file and in the metadata (a writer may hold
     *   events of them already): every packet append tries the force again and fails while it
     *   fails, so no packet reaches the file ahead of the metadata it may need.
     */

    /** The name of the metadata file in a trace folder. */
    static final String METADATA = "metadata";

    private final Path folder;
    private final FileChannel metadataChannel;
    private final List<StreamFile> streams = new ArrayList<>();
    private final List<StreamWriter> writers = new ArrayList<>();
    private TraceMetadata metadata;
    private long metadataSize;
    /** The metadata file's length as last forced to the device ("Metadata first"). */
    private long syncedSize;

    private boolean closed;

    private CtfTrace(Path folder, FileChannel metadataChannel, TraceMetadata metadata) {
        this.folder = folder;
        this.metadataChannel = metadataChannel;
        this.metadata = metadata;
    }

    /**
     * Creates a trace in {@code folder}: creates the folder (and missing parents, all {@code
     * rwx------}) unless it exists and is empty, and writes the {@code metadata} file.
     *
     * @throws IOException naming the folder or file and the reason, if either cannot be created or
     *     written, or the folder is not empty
     */
    public static CtfTrace create(Path folder, TraceMetadata metadata) throws IOException {
        return create(folder, metadata, null);
    }

    /**
     * As {@link #create(Path, TraceMetadata)}, the metadata written through what {@code wrap} makes
     * of its file's channel, if not null: for tests, a channel that fails on purpose.
     */
    static CtfTrace create(Path folder, TraceMetadata metadata, java.util.function.UnaryOperator<FileChannel> wrap)
            throws IOException {
        Objects.requireNonNull(metadata, "metadata");
        TraceFiles.createFolder(folder);
        Path file = folder.resolve(METADATA);
        FileChannel channel = wrap == null ? TraceFiles.createFile(file) : wrap.apply(TraceFiles.createFile(file));
        CtfTrace trace = new CtfTrace(folder, channel, metadata);
        try {
            trace.appendMetadata(metadata.text());
            trace.syncMetadata();
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return trace;
    }

    /** The trace folder. */
    public Path folder() {
        return folder;
    }

    /** The metadata as the file holds it now, event classes added since {@link #create} included. */
    public synchronized TraceMetadata metadata() {
        return metadata;
    }

    /**
     * Opens a new stream of class {@code streamClassId}, whose packets a caller finishes ({@link
     * Packets#finish}) and appends itself: the way for a tracer whose buffers are the packets.
     *
     * @param streamInstanceId the stream's id among the streams of its class (a thread's or a
     *     buffer's number); shown by babeltrace2 as the stream id
     * @throws IllegalArgumentException if the trace has no such stream class
     * @throws IllegalStateException if the stream is open already, or the trace is closed
     * @throws IOException if its file cannot be created
     */
    public synchronized StreamFile openStream(int streamClassId, long streamInstanceId) throws IOException {
        checkOpen();
        PacketLayout layout = metadata.packetLayout(streamClassId);
        for (StreamFile stream : streams) {
            if (stream.streamClassId() == streamClassId && stream.streamInstanceId() == streamInstanceId) {
                throw new IllegalStateException(
                        "stream " + streamClassId + "/" + Long.toUnsignedString(streamInstanceId)
                                + " is open already in " + folder + "; give each stream its own instance id");
            }
        }
        Path file = folder.resolve(streamFileName(streamClassId, streamInstanceId));
        StreamFile stream = new StreamFile(this, file, TraceFiles.createFile(file), layout, streamInstanceId);
        streams.add(stream);
        return stream;
    }

    /**
     * Opens a new stream of class {@code streamClassId} written event by event through a {@link
     * StreamWriter}, which packs the events into packets of at most {@code packetBytes} bytes.
     *
     * @throws IllegalArgumentException if the trace has no such stream class, or {@code packetBytes}
     *     cannot hold the packet header and context and an event header
     * @throws IllegalStateException if the stream is open already, or the trace is closed
     * @throws IOException if its file cannot be created
     */
    public synchronized StreamWriter openWriter(int streamClassId, long streamInstanceId, int packetBytes)
            throws IOException {
        PacketLayout layout = metadata.packetLayout(streamClassId);
        int least = layout.eventsOffset() + layout.eventHeaderSize();
        if (packetBytes < least) {
            throw new IllegalArgumentException("packets of " + packetBytes + " bytes cannot hold the packet header and"
                    + " context and one event header (" + least + " bytes for stream class " + streamClassId
                    + "); give them more room, e.g. 64 KiB");
        }
        StreamWriter writer = new StreamWriter(this, openStream(streamClassId, streamInstanceId), packetBytes);
        writers.add(writer);
        return writer;
    }

    /**
     * Adds an event class to stream class {@code streamClassId} while the trace is written: its event
     * block is appended to the metadata file (readers read the whole file, so it needs only be there
     * before the trace is read), and forced to the storage device before the next packet of any
     * stream is written.
     *
     * @throws IllegalArgumentException if there is no such stream class, or it has an event class of
     *     that id, or the id does not fit its event ids
     * @throws IOException if the metadata file cannot be written; the event class is then not added
     */
    public synchronized void addEventClass(int streamClassId, EventClass eventClass) throws IOException {
        checkOpen();
        TraceMetadata next = metadata.withEventClass(streamClassId, eventClass);
        appendMetadata("\n" + MetadataText.eventBlock(streamClassId, eventClass));
        metadata = next;
    }

    /**
     * Closes every writer (each writes its last packet), every stream file and the metadata file.
     * Idempotent.
     *
     * @throws IOException the first failure; later ones are suppressed in it
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            syncMetadata(); // before the writers' last packets and the streams' forcing: "Metadata first"
        } catch (IOException e) {
            failure = e;
        }
        List<Closeable> all = new ArrayList<>(writers);
        all.addAll(streams);
        all.add(metadataChannel);
        for (Closeable closeable : all) {
            try {
                closeable.close();
            } catch (IOException | RuntimeException e) {
                if (failure == null) {
                    failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Whether stream class {@code streamClassId} has an event class {@code id} now. */
    synchronized boolean hasEventClass(int streamClassId, int id) {
        return metadata.streamClass(streamClassId).eventClass(id) != null;
    }

    /** The name of the file of stream {@code streamClassId}/{@code streamInstanceId}. */
    static String streamFileName(int streamClassId, long streamInstanceId) {
        return "stream-" + streamClassId + "-" + Long.toUnsignedString(streamInstanceId);
    }

    /**
     * Forces the event classes added since the last call to the storage device, if any: called by
     * every stream's append before it writes a packet (see "Metadata first"). A caller need not.
     *
     * @throws IOException if forcing fails; the classes stay pending, and the next call tries again
     *     (see "Failure modes")
     */
    synchronized void syncMetadata() throws IOException {
        if (metadataSize == syncedSize) {
            return;
        }
        try {
            metadataChannel.force(false);
        } catch (IOException e) {
            throw TraceFiles.failure(
                    "cannot write trace metadata",
                    folder.resolve(METADATA),
                    e,
                    "free some space or choose another folder");
        }
        syncedSize = metadataSize;
    }

    private void appendMetadata(String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        long position = metadataSize;
        try {
            while (bytes.hasRemaining()) {
                position += metadataChannel.write(bytes, position);
            }
        } catch (IOException e) {
            try {
                metadataChannel.truncate(metadataSize);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw TraceFiles.failure(
                    "cannot write trace metadata",
                    folder.resolve(METADATA),
                    e,
                    "free some space or choose another folder");
        }
        metadataSize = position;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("trace " + folder + " is closed; create a new one to write more");
        }
    }
}
