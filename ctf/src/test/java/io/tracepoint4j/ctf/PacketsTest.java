package io.tracepoint4j.ctf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packets.finish refuses fields that break the rules PacketFields lists; StreamFile.append refuses a
 * packet that is not a finished packet of its stream or breaks the stream's order, leaving the file
 * as it was. Both take a MemorySegment or a ByteBuffer.
 */
class PacketsTest {
    @TempDir
    Path tmp;

    private final PacketLayout layout = Traces.allTypes(16).packetLayout(0);

    private PacketFields valid() {
        return layout.newPacketFields(1)
                .timestampBegin(10)
                .timestampEnd(20)
                .contentSize(layout.eventsOffset())
                .packetSize(128);
    }

    @Test
    void finishRefusesFieldsThatBreakTheRules() {
        MemorySegment packet = MemorySegment.ofArray(new byte[128]);
        Packets.finish(packet, valid());
        assertThatThrownBy(() -> Packets.finish(packet, valid().timestampEnd(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timestamps must satisfy 0 <= timestampBegin <= timestampEnd");
        assertThatThrownBy(() -> Packets.finish(packet, valid().timestampBegin(-1)))
                .hasMessageContaining("0 <= timestampBegin");
        assertThatThrownBy(() -> Packets.finish(packet, valid().contentSize(layout.eventsOffset() - 1)))
                .hasMessageContaining(
                        "sizes must satisfy eventsOffset (" + layout.eventsOffset() + ") <= contentSize <= packetSize");
        assertThatThrownBy(() -> Packets.finish(packet, valid().contentSize(129)))
                .hasMessageContaining("<= contentSize <= packetSize");
        assertThatThrownBy(() -> Packets.finish(packet, valid().packetSize(129).contentSize(129)))
                .hasMessageContaining("the packet segment holds only 128 bytes");
        assertThatThrownBy(() -> Packets.finish(packet, valid().eventsDiscarded(-1)))
                .hasMessageContaining("must not be negative");
    }

    @Test
    void finishWritesIntoAByteBufferFromItsPosition() throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(300).position(100);
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16))) {
            StreamFile stream = trace.openStream(0, 1);
            Packets.finish(
                    buffer,
                    stream.newPacketFields().timestampEnd(20).contentSize(100).packetSize(128));
            assertThat(buffer.position()).isEqualTo(100);
            assertThat(buffer.order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(100))
                    .isEqualTo(0xC1FC1FC1);
            stream.append(buffer);
            assertThat(buffer.position()).isEqualTo(100);
        }
        assertThat(Files.size(folder.resolve("stream-0-1"))).isEqualTo(128);
        try (CtfReader reader = CtfReader.open(folder)) {
            assertThat(reader.packets()).hasSize(1);
            assertThat(reader.packets().get(0).timestampEnd()).isEqualTo(20);
        }
    }

    @Test
    void appendRefusesWhatIsNotAFinishedPacketOfItsStreamInOrder() throws Exception {
        Path folder = tmp.resolve("trace");
        TraceMetadata metadata = Traces.allTypes(16);
        try (CtfTrace trace = CtfTrace.create(folder, metadata);
                Arena arena = Arena.ofConfined()) {
            StreamFile stream = trace.openStream(0, 1);
            MemorySegment packet = arena.allocate(128);
            assertThatThrownBy(() -> stream.append(packet))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("refuses packet 0: magic number 0x0 is not 0xc1fc1fc1: the packet was not"
                            + " finished; call Packets.finish first");
            Packets.finish(
                    packet, stream.layout().newPacketFields(2).packetSize(128).contentSize(100));
            assertThatThrownBy(() -> stream.append(packet))
                    .hasMessageContaining(
                            "the packet belongs to stream 0/2; finish it with this stream's PacketFields");
            PacketLayout otherTrace = Traces.allTypes(16).packetLayout(0);
            Packets.finish(packet, otherTrace.newPacketFields(1).packetSize(128).contentSize(100));
            assertThatThrownBy(() -> stream.append(packet)).hasMessageContaining("trace UUID is not this trace's");

            PacketFields fields = stream.newPacketFields()
                    .contentSize(100)
                    .packetSize(128)
                    .sequenceNumber(5)
                    .eventsDiscarded(4)
                    .timestampBegin(100)
                    .timestampEnd(200);
            Packets.finish(packet, fields);
            stream.append(packet);
            Packets.finish(packet, fields.sequenceNumber(5));
            assertThatThrownBy(() -> stream.append(packet))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("packet_seq_num 5 is not above the previous packet's 5");
            Packets.finish(packet, fields.sequenceNumber(6).eventsDiscarded(3));
            assertThatThrownBy(() -> stream.append(packet))
                    .hasMessageContaining("events_discarded 3 is below the previous packet's 4; it is a running total");
            Packets.finish(packet, fields.eventsDiscarded(4).timestampBegin(150).timestampEnd(300));
            assertThatThrownBy(() -> stream.append(packet))
                    .hasMessageContaining("timestamp_begin 150 is before the previous packet's timestamp_end 200");
            assertThat(stream.size()).isEqualTo(128);
            assertThat(Files.size(folder.resolve("stream-0-1"))).isEqualTo(128);
            Packets.finish(packet, fields.timestampBegin(200).sequenceNumber(7));
            stream.append(packet); // a gap of one: a lost packet, allowed
            assertThat(stream.packetCount()).isEqualTo(2);
            stream.close();
            assertThatThrownBy(() -> stream.append(packet)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void openStreamRefusesASecondStreamOfOneInstance() throws Exception {
        CtfTrace trace = CtfTrace.create(tmp.resolve("trace"), Traces.allTypes(16));
        trace.openStream(0, 1);
        assertThatThrownBy(() -> trace.openStream(0, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stream 0/1 is open already");
        assertThatThrownBy(() -> trace.openStream(1, 1)).hasMessageContaining("the trace has no stream class 1");
        assertThatThrownBy(() -> trace.openWriter(0, 2, 50)).hasMessageContaining("cannot hold the packet header");
        trace.close();
        trace.close();
        assertThatThrownBy(() -> trace.openStream(0, 3)).hasMessageContaining("is closed");
    }
}
