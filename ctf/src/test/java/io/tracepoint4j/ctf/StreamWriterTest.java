package io.tracepoint4j.ctf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.testkit.Babeltrace;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** StreamWriter packs events into packets, counts losses and refuses misuse with the fix. */
class StreamWriterTest {
    @TempDir
    Path tmp;

    @Test
    void packsEventsIntoPacketsOfAtMostItsSize() throws Exception {
        Path folder = tmp.resolve("trace");
        int recordSize;
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16))) {
            StreamWriter out = trace.openWriter(0, 1, 200);
            recordSize = out.streamFile().layout().eventHeaderSize() + 12;
            for (int i = 0; i < 25; i++) {
                Traces.floats(out, 100 + i, i, -i);
            }
        }
        int perPacket = (200 - Traces.allTypes(16).packetLayout(0).eventsOffset()) / recordSize;
        try (CtfReader reader = CtfReader.open(folder)) {
            List<CtfPacket> packets = reader.packets();
            assertThat(packets).hasSize((25 + perPacket - 1) / perPacket);
            for (int i = 0; i < packets.size(); i++) {
                CtfPacket packet = packets.get(i);
                assertThat(packet.sequenceNumber()).isEqualTo(i);
                assertThat(packet.packetSize()).isLessThanOrEqualTo(200);
                assertThat(packet.timestampBegin()).isEqualTo(100 + i * perPacket);
                assertThat(packet.timestampEnd()).isEqualTo(Math.min(124, 100 + (i + 1) * perPacket - 1));
            }
            assertThat(reader.events()).extracting(e -> e.field("d")).containsExactly(expectedDoubles());
        }
        Babeltrace.run(folder).clean();
    }

    private static Object[] expectedDoubles() {
        Object[] d = new Object[25];
        for (int i = 0; i < 25; i++) {
            d[i] = (double) -i;
        }
        return d;
    }

    @Test
    void refusesMisuse() throws Exception {
        try (CtfTrace trace = CtfTrace.create(tmp.resolve("trace"), Traces.allTypes(16))) {
            StreamWriter out = trace.openWriter(0, 1, 1024);
            assertThatThrownBy(() -> out.commit(100))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("commit without begin");
            assertThatThrownBy(() -> out.begin(42, 0, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("stream class 0 has no event class 42; add it to the metadata");
            long at = out.begin(Traces.EMPTY.id(), 1000, 0);
            assertThatThrownBy(() -> out.begin(Traces.EMPTY.id(), 1000, 0))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("begun and not committed");
            assertThatThrownBy(() -> out.flush()).hasMessageContaining("commit it first");
            assertThatThrownBy(() -> out.commit(at + 1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("outside its reservation");
            assertThatThrownBy(() -> out.begin(Traces.EMPTY.id(), 999, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("timestamp 999 is before the previous event's 1000");
            trace.addEventClass(0, EventClass.of(42, "late"));
            out.commit(out.begin(42, 1000, 0));
            out.close();
            out.close();
            assertThatThrownBy(() -> out.begin(42, 2000, 0)).hasMessageContaining("is closed");
        }
    }

    /** Discarded events with no event after them still reach the trace: an empty last packet. */
    @Test
    void reportsDiscardsMadeAfterTheLastEvent() throws Exception {
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16))) {
            StreamWriter out = trace.openWriter(0, 1, 1024);
            Traces.empty(out, 1000);
            out.flush();
            out.discard();
            out.discard();
        }
        try (CtfReader reader = CtfReader.open(folder)) {
            assertThat(reader.packets()).extracting(CtfPacket::eventsDiscarded).containsExactly(0L, 2L);
            assertThat(reader.discardedEvents()).isEqualTo(2);
            assertThat(reader.events()).hasSize(1);
        }
        assertThat(Babeltrace.run(folder).stderr()).startsWith("WARNING: Tracer discarded 2 events between");
    }
}
