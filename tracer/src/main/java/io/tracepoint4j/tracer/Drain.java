package io.tracepoint4j.tracer;

import io.tracepoint4j.ctf.CtfTrace;
import io.tracepoint4j.ctf.PacketFields;
import io.tracepoint4j.ctf.Packets;
import io.tracepoint4j.ctf.StreamFile;
import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.ringbuffer.RingBuffer;
import io.tracepoint4j.ringbuffer.SubBuffer;
import io.tracepoint4j.ringbuffer.SubBufferConsumer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;

/**
 * A session's consumer: a thread that hands the buffers' complete sub-buffers, as CTF packets, to
 * the trace's stream files (one per buffer), and closes the open sub-buffers every flush interval so
 * that a trace being recorded is readable up to a second or so ago.
 */
final class Drain implements Runnable {
    /*
     * Design note.
     *
     * Concurrency: the drain thread is the buffers' only consumer until finish(), which stops it
     *   (unpark, join) and then drains the rest itself: the consumer side of a RingBuffer is for
     *   one thread at a time, and the join orders the two.
     *
     * Memory ordering
     *   [DS] stopping: volatile; finish() sets it, the loop reads it each round and ends. `failure`
     *        needs nothing: join() orders the thread's write before finish() reads it.
     *
     * Failure modes: an IOException writing a packet (disk full, folder removed) ends the drain: the
     *   trace stays readable up to its last complete packet (CtfTrace writes whole packets), the
     *   failure is reported by finish(), and writers keep running into buffers no one drains, which
     *   soon count their events as lost; the traced application sees no exception.
     */

    private static final long PARK_NANOS = 20_000_000L;
    private static final long FLUSH_NANOS = 1_000_000_000L;

    private final SessionBuffers buffers;
    private final CtfTrace trace;
    private final ToStream[] streams;
    private final MemorySegment scratch;
    private final Thread thread;
    private volatile boolean stopping; // [DS]
    /** The drain thread's write failure: set by it before it ends, read by finish() after join(). */
    private IOException failure;

    Drain(String sessionName, SessionBuffers buffers, CtfTrace trace, Mode mode) throws IOException {
        this.buffers = buffers;
        this.trace = trace;
        this.streams = new ToStream[buffers.count()];
        for (int i = 0; i < streams.length; i++) {
            streams[i] = new ToStream(trace.openStream(0, i), buffers.buffer(i).subBufferSize());
        }
        this.scratch = mode == Mode.OVERWRITE
                ? Arena.ofAuto().allocate(buffers.buffer(0).subBufferSize())
                : null;
        this.thread = Thread.ofPlatform()
                .name("tracepoint4j-session-" + sessionName)
                .daemon()
                .inheritInheritableThreadLocals(false)
                .unstarted(this);
        thread.setContextClassLoader(null);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        long nextFlush = System.nanoTime() + FLUSH_NANOS;
        try {
            while (!stopping) { // [DS]
                if (System.nanoTime() - nextFlush >= 0) {
                    switchAll();
                    nextFlush = System.nanoTime() + FLUSH_NANOS;
                }
                drainAll();
                LockSupport.parkNanos(PARK_NANOS);
            }
        } catch (IOException e) {
            failure = e;
        }
    }

    /**
     * Stops the thread, writes everything the buffers hold (their writers are done: the session
     * waited for them) and closes the trace.
     *
     * @throws IOException the first write failure, if any
     */
    void finish() throws IOException {
        stopping = true; // [DS] the loop ends at its next check
        LockSupport.unpark(thread);
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        try {
            if (failure == null) {
                switchAll();
                drainAll();
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            trace.close();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void switchAll() {
        for (int i = 0; i < buffers.count(); i++) {
            buffers.buffer(i).switchSubBuffer();
        }
    }

    private void drainAll() throws IOException {
        for (int i = 0; i < buffers.count(); i++) {
            RingBuffer buffer = buffers.buffer(i);
            try {
                buffer.consume(streams[i], scratch);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }

    /** Finishes each sub-buffer as a CTF packet and appends it to the stream file. */
    private static final class ToStream implements SubBufferConsumer {
        private final StreamFile stream;
        private final int packetSize;
        /** Reused for every packet of the stream: the drain thread is its only user. */
        private final PacketFields fields;

        ToStream(StreamFile stream, int packetSize) {
            this.stream = stream;
            this.packetSize = packetSize;
            this.fields = stream.newPacketFields();
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
