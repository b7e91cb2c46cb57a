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
 * traces of one tracepoint4j session chained: a DISCARD session's chunks (rotations) and a flight
 * recorder's snapshots (each holds what the one before did not: a snapshot consumes what it
 * writes). They share their session's trace UUID and go on counting from the trace before (packet
 * numbers and lost events count from the session's start: the tracer module's Drain, "Packet
 * numbers"), so the first packet of a stream in a later trace counts from that stream's last packet
 * in an earlier trace read too. Without one, what its counters say happened before it is told
 * apart: {@code eventsBefore}, and for a flight recorder {@code packetsBefore}, the packets before
 * its first, overwritten or in snapshots not read; a DISCARD chunk's earlier packets are in its
 * earlier chunks, and count as nothing. Any other trace (another tracer's) counts as {@link
 * CtfReader} counts: between its packets, its streams' first packets' counts left out.
 *
 * @param events events lost in this trace's time, as its packets count them
 * @param packets packets dropped in this trace's time (a flight recorder's: overwritten)
 * @param eventsBefore events lost before this trace's first packet ended, in its session's earlier
 *     traces not read and in that packet (its count goes on from theirs: they cannot be told apart)
 * @param packetsBefore a flight recorder's packets before its first, in no trace read: overwritten,
 *     or in earlier snapshots not read
 */
record Losses(long events, long packets, long eventsBefore, long packetsBefore) {

    /** The losses of each of {@code readers}, in their order. */
    static List<Losses> of(List<CtfReader> readers) {
        List<Losses> losses = new ArrayList<>(readers.size());
        for (CtfReader reader : readers) {
            losses.add(isChained(reader) ? chained(reader, readers) : whole(reader));
        }
        return losses;
    }

    /** A trace counted alone, from nothing before its first packets. */
    private static Losses whole(CtfReader reader) {
        return new Losses(reader.discardedEvents(), reader.droppedPackets(), 0, 0);
    }

    /** A tracepoint4j session's trace (a chunk or a snapshot): the only traces that go on from one before. */
    private static boolean isChained(CtfReader reader) {
        return "tracepoint4j".equals(reader.metadata().env().get("tracer_name"));
    }

    private static Losses chained(CtfReader reader, List<CtfReader> all) {
        long events = 0;
        long packets = 0;
        long before = 0;
        long packetsBefore = 0;
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
                } else { // a later trace, read without the one before it
                    before += packet.eventsDiscarded();
                    if (TraceFolders.isFlightRecorder(reader)) { // a chunk's earlier packets are its earlier chunks'
                        packetsBefore += packet.sequenceNumber();
                    }
                }
            } else {
                events += packet.discardedEventsBefore();
                packets += packet.droppedPacketsBefore();
            }
        }
        return new Losses(events, packets, before, packetsBefore);
    }

    /** The packets of the other traces of {@code reader}'s session among {@code all}, by stream. */
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
            if (TraceFolders.isFlightRecorder(reader)) { // its packets dropped by design, not lost
                if (packets != 0) {
                    err.println(label + ": a flight recorder: it overwrote its " + count(packets, "oldest packet")
                            + " to keep the newest, as it does when full");
                }
                packets = 0;
            }
            if (events != 0 || packets != 0) {
                err.println(label + ": the tracer lost " + count(events, "event") + " and " + count(packets, "packet")
                        + ", " + absent + " (bigger session buffers keep them)");
            }
            long packetsBefore = losses.get(i).packetsBefore();
            if (packetsBefore != 0) {
                err.println(label + ": a flight recorder: its " + count(packetsBefore, "oldest packet")
                        + (packetsBefore == 1 ? " is" : " are") + " not here: overwritten to keep the newest, as it"
                        + " does when full, or in its earlier snapshots (view those with it to tell)");
            }
            if (losses.get(i).eventsBefore() != 0) {
                boolean snapshot = TraceFolders.isFlightRecorder(reader);
                err.println(label
                        + (snapshot
                                ? ": a flight recorder, whose earlier snapshots (if any), with this one"
                                : ": a later chunk of its session, whose earlier chunks, with this one")
                        + " up to the end of its first packet, lost "
                        + count(losses.get(i).eventsBefore(), "event")
                        + " (view the " + (snapshot ? "snapshots" : "chunks") + " together to place them)");
            }
        }
        err.flush();
    }

    private static String count(long n, String what) {
        return Long.toUnsignedString(n) + " " + what + (n == 1 ? "" : "s");
    }
}
