package io.tracepoint4j.cli;

import io.tracepoint4j.ctf.CtfPacket;
import io.tracepoint4j.ctf.CtfReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the tracer lost in one trace of several read together, as its packets count it, with the
 * chunks of a tracepoint4j DISCARD session chained. A rotation's chunks share their session's trace
 * UUID and go on counting from the chunk before (packet numbers and lost events count from the
 * session's start: the tracer module's Drain, "Packet numbers"), so the first packet of a stream in
 * a later chunk counts from that stream's last packet in an earlier chunk read too. Without one,
 * what its counters say was lost before it happened in chunks not read: {@code eventsBefore}, told
 * apart, and no packet counts as dropped before it. Any other trace (a flight recorder's, another
 * tracer's) counts as {@link CtfReader} counts: from nothing before its first packets.
 *
 * @param events events lost in this trace's time, as its packets count them
 * @param packets packets dropped in this trace's time
 * @param eventsBefore events lost before this chunk's first packet ended, in its session's earlier
 *     chunks not read and in that packet (its count goes on from theirs: they cannot be told apart)
 */
record Losses(long events, long packets, long eventsBefore) {

    /** The losses of each of {@code readers}, in their order. */
    static List<Losses> of(List<CtfReader> readers) {
        List<Losses> losses = new ArrayList<>(readers.size());
        for (CtfReader reader : readers) {
            losses.add(isChunked(reader) ? chained(reader, readers) : whole(reader));
        }
        return losses;
    }

    /** A trace counted alone, from nothing before its first packets. */
    private static Losses whole(CtfReader reader) {
        return new Losses(reader.discardedEvents(), reader.droppedPackets(), 0);
    }

    /** A tracepoint4j DISCARD session's chunk: the only traces that go on from a chunk before. */
    private static boolean isChunked(CtfReader reader) {
        Map<String, Object> env = reader.metadata().env();
        return "tracepoint4j".equals(env.get("tracer_name")) && "discard".equals(env.get("mode"));
    }

    private static Losses chained(CtfReader reader, List<CtfReader> all) {
        long events = 0;
        long packets = 0;
        long before = 0;
        Set<String> started = new HashSet<>();
        Map<String, List<CtfPacket>> earlier = otherChunks(reader, all);
        for (CtfPacket packet : reader.packets()) {
            String stream = stream(packet);
            if (started.add(stream)) {
                CtfPacket previous = previous(earlier.get(stream), packet.sequenceNumber());
                if (previous != null) {
                    events += packet.eventsDiscarded() - previous.eventsDiscarded();
                    packets += packet.sequenceNumber() - previous.sequenceNumber() - 1;
                } else if (packet.sequenceNumber() == 0) { // the session's first chunk: nothing before
                    events += packet.eventsDiscarded();
                } else { // a later chunk, read without the one before it
                    before += packet.eventsDiscarded();
                }
            } else {
                events += packet.discardedEventsBefore();
                packets += packet.droppedPacketsBefore();
            }
        }
        return new Losses(events, packets, before);
    }

    /** The packets of the other chunks of {@code reader}'s session among {@code all}, by stream. */
    private static Map<String, List<CtfPacket>> otherChunks(CtfReader reader, List<CtfReader> all) {
        Map<String, List<CtfPacket>> byStream = new HashMap<>();
        for (CtfReader other : all) {
            if (other != reader
                    && other.metadata().uuid().equals(reader.metadata().uuid())) {
                for (CtfPacket packet : other.packets()) {
                    byStream.computeIfAbsent(stream(packet), k -> new ArrayList<>())
                            .add(packet);
                }
            }
        }
        return byStream;
    }

    /** The packet of {@code packets} (may be null) with the greatest sequence number below {@code sequence}. */
    private static CtfPacket previous(List<CtfPacket> packets, long sequence) {
        CtfPacket previous = null;
        for (CtfPacket packet : packets == null ? List.<CtfPacket>of() : packets) {
            if (packet.sequenceNumber() < sequence
                    && (previous == null || packet.sequenceNumber() > previous.sequenceNumber())) {
                previous = packet;
            }
        }
        return previous;
    }

    private static String stream(CtfPacket packet) {
        return packet.streamClassId() + "/" + packet.streamInstanceId();
    }

    /**
     * Says on {@code err}, a line per trace of {@code timeline} that lost anything, what the tracer
     * lost ({@code absent}: where those events are missing, e.g. "not shown above"), what a flight
     * recorder overwrote, and what a later chunk read alone cannot place; {@code command} begins
     * each line ("tp view").
     */
    static void report(java.io.PrintWriter err, String command, Timeline timeline, String absent) {
        List<Losses> losses = of(timeline.readers());
        for (int i = 0; i < losses.size(); i++) {
            CtfReader reader = timeline.readers().get(i);
            long events = losses.get(i).events();
            long packets = losses.get(i).packets();
            String label = command + ": " + timeline.traces().get(i).label();
            if (events == 0 && packets != 0 && TraceFolders.isFlightRecorder(reader)) {
                err.println(label + ": a flight recorder: it overwrote its " + count(packets, "oldest packet")
                        + " to keep the newest, as it does when full");
            } else if (events != 0 || packets != 0) {
                err.println(label + ": the tracer lost " + count(events, "event") + " and " + count(packets, "packet")
                        + ", " + absent + " (bigger session buffers keep them)");
            }
            if (losses.get(i).eventsBefore() != 0) {
                err.println(label + ": a later chunk of its session, whose earlier chunks, with this one up to"
                        + " the end of its first packet, lost "
                        + count(losses.get(i).eventsBefore(), "event")
                        + " (view the chunks together to place them)");
            }
        }
        err.flush();
    }

    private static String count(long n, String what) {
        return Long.toUnsignedString(n) + " " + what + (n == 1 ? "" : "s");
    }
}
