package io.tracepoint4j.ctf;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.testkit.Babeltrace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code of ctf/README.md, as it stands there, run: keep the two in step. */
class ReadmeExampleTest {
    @TempDir
    Path tmp;

    @Test
    void writesAndReadsATrace() throws Exception {
        Path folder = tmp.resolve("my-trace");
        // --- README: writing a trace ---
        EventClass request = EventClass.of(
                0, "my_app:request", Field.of("status", FieldType.INT32), Field.of("path", FieldType.STRING));
        TraceMetadata metadata = TraceMetadata.builder()
                .env("hostname", InetAddress.getLocalHost().getHostName())
                .env("tracer_name", "my-tracer")
                .env("pid", ProcessHandle.current().pid())
                .streamClass(StreamClass.builder(0).eventClass(request).build())
                .build(); // the clock: CtfClock.monotonic(), the clock of System.nanoTime()

        try (CtfTrace trace = CtfTrace.create(folder, metadata)) {
            StreamWriter out = trace.openWriter(0, 1, 64 * 1024); // stream 1 of class 0
            String path = "/index.html";
            long size = 4 + EventEncoder.stringSize(path);
            long at = out.begin(request.id(), System.nanoTime(), size);
            long end = at + size;
            at = EventEncoder.putInt(out.segment(), at, 200);
            at = EventEncoder.putString(out.segment(), at, end, path);
            out.commit(at);
        } // closing the trace writes the writer's last packet
        // --- end ---

        List<String> lines = new ArrayList<>();
        // --- README: reading it back ---
        try (CtfReader reader = CtfReader.open(folder)) {
            for (CtfEvent event : reader) {
                lines.add(CtfReader.format(event)); // or event.name(), event.field("status"), ...
            }
        }
        // --- end ---
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .startsWith("               1 [000] ")
                .endsWith(": my_app:request: status=200 path=\"/index.html\"");
        assertThat(Babeltrace.run(folder).clean().stdout().get(0))
                .endsWith(" my_app:request: { status = 200, path = \"/index.html\" }");
    }

    @Test
    void finishesSubBuffersInPlace() throws Exception {
        EventClass request = EventClass.of(
                0, "my_app:request", Field.of("status", FieldType.INT32), Field.of("path", FieldType.STRING));
        TraceMetadata metadata = TraceMetadata.builder()
                .streamClass(StreamClass.builder(0)
                        .contextField(Field.of("tid", FieldType.INT64))
                        .eventClass(request)
                        .build())
                .build();
        long threadId = Thread.currentThread().threadId();
        try (CtfTrace trace = CtfTrace.create(tmp.resolve("trace"), metadata);
                Arena arena = Arena.ofConfined()) {
            MemorySegment subBuffer = arena.allocate(64 * 1024);
            // --- README: the tracer's way ---
            StreamFile stream = trace.openStream(0, threadId);
            PacketLayout layout = stream.layout();
            PacketFields fields = stream.newPacketFields().context(layout.contextFieldIndex("tid"), threadId);
            long sequence = 0;
            long lost = 0;

            long at = layout.eventsOffset(); // records start after the room for header and context
            long first = System.nanoTime();
            long last = first;
            at = EventEncoder.eventHeader(subBuffer, at, layout, request.id(), last);
            at = EventEncoder.putInt(subBuffer, at, 404);
            at = EventEncoder.putString(subBuffer, at, subBuffer.byteSize(), "/missing");

            // the sub-buffer is full (or flushed): make it a packet and append it
            fields.timestampBegin(first)
                    .timestampEnd(last)
                    .contentSize(at) // the end of the last record
                    .packetSize(subBuffer.byteSize()) // the rest is padding, zeroed by finish
                    .eventsDiscarded(lost) // a running total: never decreases
                    .sequenceNumber(sequence++); // +1 per packet: a gap reports lost packets
            Packets.finish(subBuffer, fields); // header and context written in place
            stream.append(subBuffer); // packet_size bytes straight from the segment
            // --- end ---
            assertThat(sequence).isEqualTo(1);
        }
        assertThat(Babeltrace.run(tmp.resolve("trace")).clean().stdout().get(0))
                .endsWith(" my_app:request: { tid = " + threadId + " }, { status = 404, path = \"/missing\" }");
    }
}
