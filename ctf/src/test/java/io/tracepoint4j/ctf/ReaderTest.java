package io.tracepoint4j.ctf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.tracepoint4j.testkit.Babeltrace;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CtfReader returns exactly what was written: every type, awkward strings, order, losses. */
class ReaderTest {
    @TempDir
    Path tmp;

    @Test
    void returnsEveryTypeAsWritten() throws Exception {
        Path folder = tmp.resolve("trace");
        TraceMetadata written;
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(32))) {
            written = trace.metadata();
            StreamWriter out = trace.openWriter(0, 7, 4096);
            out.context(0, 4294967295L);
            Traces.ints(
                    out,
                    1000,
                    (byte) -128,
                    (byte) 255,
                    Short.MIN_VALUE,
                    (short) 65535,
                    Integer.MIN_VALUE,
                    (int) 4294967295L,
                    Long.MIN_VALUE,
                    -1L);
            Traces.floats(out, 2000, 0.1f, Math.PI);
            Traces.misc(out, 3000, true, 'A', Thread.State.BLOCKED, "s", new byte[] {1, 2, (byte) 255});
            Traces.misc(out, 4000, false, '\uffff', null, "", null);
            Traces.empty(out, 5000);
        }
        try (CtfReader reader = CtfReader.open(folder)) {
            assertThat(reader.metadata()).isEqualTo(written);
            List<CtfEvent> events = reader.events();
            assertThat(events)
                    .extracting(CtfEvent::name)
                    .containsExactly("test:ints", "test:floats", "test:misc", "test:misc", "test:empty");
            assertThat(events).extracting(CtfEvent::timestamp).containsExactly(1000L, 2000L, 3000L, 4000L, 5000L);
            for (CtfEvent event : events) {
                assertThat(event.streamClassId()).isZero();
                assertThat(event.streamInstanceId()).isEqualTo(7);
                assertThat(event.context()).containsExactly(entry("tid", 4294967295L));
            }
            assertThat(events.get(0).fields())
                    .containsExactly(
                            entry("i8", -128),
                            entry("u8", 255),
                            entry("i16", -32768),
                            entry("u16", 65535),
                            entry("i32", Integer.MIN_VALUE),
                            entry("u32", 4294967295L),
                            entry("i64", Long.MIN_VALUE),
                            entry("u64", -1L));
            assertThat(events.get(1).fields()).containsExactly(entry("f", 0.1f), entry("d", Math.PI));
            CtfEvent misc = events.get(2);
            assertThat(misc.fields()).containsKeys("flag", "c", "state", "s", "b");
            assertThat(misc.field("flag")).isEqualTo(true);
            assertThat(misc.field("c")).isEqualTo('A');
            assertThat(misc.field("state")).isEqualTo("BLOCKED");
            assertThat(misc.field("s")).isEqualTo("s");
            assertThat(misc.field("b")).isEqualTo(new byte[] {1, 2, (byte) 255});
            CtfEvent nulls = events.get(3);
            assertThat(nulls.field("flag")).isEqualTo(false);
            assertThat(nulls.field("c")).isEqualTo('\uffff');
            assertThat(nulls.field("state"))
                    .as("a null enum, shown as a null string is")
                    .isEqualTo("(null)");
            assertThat(nulls.field("s")).isEqualTo("");
            assertThat(nulls.field("b")).isEqualTo(new byte[0]);
            assertThat(events.get(4).fields()).isEmpty();
        }
    }

    /**
     * Strings as Java holds them, and as they come back: empty, non-ASCII, 4-byte UTF-8, unpaired
     * surrogates and NUL as '?', null as "(null)", and truncated ones ending with the mark.
     */
    @Test
    void returnsAwkwardStrings() throws Exception {
        String[][] cases = {
            {"", ""},
            {"h\u00e9llo", "h\u00e9llo"},
            {"\u65e5\u672c\u8a9e", "\u65e5\u672c\u8a9e"},
            {"\ud83d\ude00 emoji \ud834\udd1e", "\ud83d\ude00 emoji \ud834\udd1e"},
            {"a\ud800b", "a?b"},
            {"\udc00", "?"},
            {"x\ud83d", "x?"},
            {"\ude00\ud83d\ude00", "?\ud83d\ude00"},
            {"nul\u0000inside", "nul?inside"},
            {null, "(null)"},
        };
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16))) {
            StreamWriter out = trace.openWriter(0, 1, 4096);
            long timestamp = 1;
            for (String[] c : cases) {
                Traces.misc(out, timestamp++, true, 'x', Thread.State.NEW, c[0], new byte[] {7});
            }
            // truncated: 10 bytes of room for a string that needs 26
            String long1 = "abcdefghijklmnopqrstuvwxyz";
            // truncated inside a 4-byte character: the cut falls before it
            String long2 = "abc\ud83d\ude00\ud83d\ude00";
            for (String s : new String[] {long1, long2}) {
                long size = 1 + 2 + 4 + 10 + EventEncoder.bytesSize(new byte[3]);
                long at = out.begin(Traces.MISC.id(), timestamp++, size);
                long end = at + size;
                MemorySegment seg = out.segment();
                at = EventEncoder.putBoolean(seg, at, true);
                at = EventEncoder.putChar(seg, at, 'x');
                at = EventEncoder.putEnum(seg, at, Thread.State.NEW);
                long stringEnd = EventEncoder.putString(seg, at, at + 10, s);
                assertThat(stringEnd)
                        .as("truncated: below offset + stringSize")
                        .isLessThan(at + EventEncoder.stringSize(s));
                // a byte array truncated to the room left: 2 of its 3 bytes (room 6 = 4 + 2)
                at = EventEncoder.putBytes(seg, stringEnd, stringEnd + 6, new byte[] {1, 2, 3});
                out.commit(at);
            }
        }
        List<Object> expected = new ArrayList<>();
        for (String[] c : cases) {
            expected.add(c[1]);
        }
        expected.add("abcdef\u2026");
        expected.add("abc\u2026");
        try (CtfReader reader = CtfReader.open(folder)) {
            List<CtfEvent> events = reader.events();
            assertThat(events).extracting(e -> e.field("s")).containsExactlyElementsOf(expected);
            assertThat(events.get(events.size() - 1).field("b")).isEqualTo(new byte[] {1, 2});
            assertThat(events.get(0).field("b")).isEqualTo(new byte[] {7});
        }
        List<String> printed = Babeltrace.run(folder).clean().stdout();
        assertThat(printed.get(printed.size() - 2))
                .contains("s = \"abcdef\u2026\", b_length = 2, b = [ [0] = 1, [1] = 2 ]");
        assertThat(printed.get(printed.size() - 1)).contains("s = \"abc\u2026\"");
        assertThat(printed.get(3)).contains("s = \"\ud83d\ude00 emoji \ud834\udd1e\"");
    }

    /** Events of several streams come back merged by timestamp, as babeltrace2 prints them. */
    @Test
    void mergesStreamsByTimestamp() throws Exception {
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16))) {
            StreamWriter a = trace.openWriter(0, 1, 128); // small packets: several per stream
            StreamWriter b = trace.openWriter(0, 2, 128);
            a.context(0, 1);
            b.context(0, 2);
            for (int i = 0; i < 20; i++) {
                Traces.empty(i % 3 == 0 ? b : a, 1000 + i * 10);
            }
        }
        try (CtfReader reader = CtfReader.open(folder)) {
            assertThat(reader.streamFiles())
                    .extracting(p -> p.getFileName().toString())
                    .containsExactly("stream-0-1", "stream-0-2");
            assertThat(reader.packets().size()).isGreaterThan(4);
            List<CtfEvent> events = reader.events();
            assertThat(events).hasSize(20);
            List<String> lines = Babeltrace.run(folder).clean().stdout();
            for (int i = 0; i < 20; i++) {
                CtfEvent event = events.get(i);
                long instance = i % 3 == 0 ? 2 : 1;
                assertThat(event.timestamp()).isEqualTo(1000 + i * 10);
                assertThat(event.streamInstanceId()).isEqualTo(instance);
                assertThat(event.context()).containsExactly(entry("tid", instance));
                assertThat(lines.get(i)).contains("test:empty: { tid = " + instance + " }");
            }
        }
    }

    /**
     * A packet whose packet_size runs past the end of its file, with other packets after it, was
     * damaged, not cut short: the error says so, and gives no advice to cut the file there (which
     * would delete the intact packets after it: found by a black-box test).
     */
    @Test
    void aDamagedPacketSizeIsNotTakenForAPartialLastPacket() throws Exception {
        Path folder = tmp.resolve("damaged");
        writeEmptyPackets(folder, new long[] {0, 0, 1000}, new long[] {1, 0, 2000}, new long[] {2, 0, 3000});
        Path file = folder.resolve("stream-0-7");
        try (java.nio.channels.FileChannel channel =
                java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer size = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            size.putLong(0, 8_000_000L); // 1 MB, in bits: past the end of the 600-byte file
            channel.write(size, PacketContextDescriptor.PACKET_SIZE_OFFSET);
        }
        assertThatThrownBy(() -> CtfReader.open(folder))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(java.io.EOFException.class)
                .hasMessage("stream file " + file + ", offset 0: packet_size 1000000 bytes runs past the end of"
                        + " the file (600 bytes left), yet another packet begins at offset 200: the packet's size is"
                        + " damaged");
        try (java.nio.channels.FileChannel channel =
                java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer size = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            size.putLong(0, -8L); // 2^64 - 8 bits, unsigned
            channel.write(size, PacketContextDescriptor.PACKET_SIZE_OFFSET);
        }
        assertThatThrownBy(() -> CtfReader.open(folder))
                .hasMessageContaining("packet_size 2305843009213693951 bytes runs past the end of the file");
    }

    /** Losses show per packet and in total, as babeltrace2 reports them. */
    @Test
    void showsDiscardedEventsAndDroppedPackets() throws Exception {
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16));
                Arena arena = Arena.ofConfined()) {
            StreamFile stream = trace.openStream(0, 7);
            Traces.appendEmptyPackets(
                    stream,
                    stream.newPacketFields(),
                    arena.allocate(256),
                    200,
                    new long[] {0, 0, 1000},
                    new long[] {1, 3, 2000},
                    new long[] {3, 3, 4000},
                    new long[] {4, 10, 5000});
            // and a writer's own accounting: 5 discarded, then an event too large for any packet
            StreamWriter out = trace.openWriter(0, 8, 256);
            Traces.empty(out, 1000);
            out.flush();
            for (int i = 0; i < 5; i++) {
                out.discard();
            }
            assertThat(out.begin(Traces.EMPTY.id(), 2000, 1000)).isEqualTo(-1);
            Traces.empty(out, 3000);
            assertThat(out.eventsDiscarded()).isEqualTo(6);
        }
        try (CtfReader reader = CtfReader.open(folder)) {
            List<CtfPacket> packets = reader.packets();
            assertThat(packets).extracting(CtfPacket::sequenceNumber).containsExactly(0L, 1L, 3L, 4L, 0L, 1L);
            assertThat(packets).extracting(CtfPacket::discardedEventsBefore).containsExactly(0L, 3L, 0L, 7L, 0L, 6L);
            assertThat(packets).extracting(CtfPacket::droppedPacketsBefore).containsExactly(0L, 0L, 1L, 0L, 0L, 0L);
            assertThat(packets).extracting(CtfPacket::packetSize).startsWith(200L, 200L, 200L, 200L);
            assertThat(reader.discardedEvents()).isEqualTo(16);
            assertThat(reader.droppedPackets()).isEqualTo(1);
            assertThat(reader.events()).hasSize(6);
        }
        assertThat(Babeltrace.run(folder).stderr())
                .contains("WARNING: Tracer discarded 6 events between [22:13:20.000001000] and [22:13:20.000003000]");
    }

    /**
     * A stream whose first packet does not begin its counts (a tracer's later chunk, which goes on
     * counting from the chunks before): what they say was lost before it is not this trace's to
     * number, as babeltrace2 says ("may have discarded"), and only the losses between its packets
     * count. The first packet's counts used to be taken as losses of this trace.
     */
    @Test
    void aStreamThatBeginsMidCountMayHaveLostBeforeItAndCountsOnlyWhatFollows() throws Exception {
        Path folder = tmp.resolve("trace");
        writeEmptyPackets(
                folder, new long[] {35, 4765, 1000}, new long[] {36, 4765, 2000}, new long[] {38, 4770, 4000});
        try (CtfReader reader = CtfReader.open(folder)) {
            List<CtfPacket> packets = reader.packets();
            assertThat(packets).extracting(CtfPacket::discardedEventsBefore).containsExactly(0L, 0L, 5L);
            assertThat(packets).extracting(CtfPacket::droppedPacketsBefore).containsExactly(0L, 0L, 1L);
            assertThat(packets).extracting(CtfPacket::mayHaveLostBefore).containsExactly(true, false, false);
            assertThat(reader.discardedEvents()).isEqualTo(5);
            assertThat(reader.droppedPackets()).isEqualTo(1);
            assertThat(reader.mayHaveLostBefore()).isTrue();
        }
        String said = Babeltrace.run(folder).stderr();
        assertThat(said)
                .contains("WARNING: Tracer may have discarded events between")
                .contains("WARNING: Tracer discarded 5 events between")
                .contains("WARNING: Tracer discarded 1 packet between")
                .doesNotContain("4765");
    }

    /** One line per event in the manner of ftrace: instance, [class], seconds, name, fields. */
    @Test
    void formatsEventsLikeFtrace() throws Exception {
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16))) {
            StreamWriter out = trace.openWriter(0, 7, 4096);
            out.context(0, 12);
            Traces.ints(out, 5075_185424113L, (byte) -1, (byte) -1, (short) -1, (short) -1, -1, -1, -1, -1);
            Traces.floats(out, 5075_185424114L, 1.5f, 0.25);
            Traces.misc(
                    out, 5075_185424115L, true, '\'', Thread.State.WAITING, "a \"q\"\n", new byte[] {1, (byte) 0xAB});
        }
        try (CtfReader reader = CtfReader.open(folder)) {
            assertThat(reader.events())
                    .extracting(CtfReader::format)
                    .containsExactly(
                            "               7 [000]  5075.185424113: test:ints: tid=12 i8=-1 u8=255 i16=-1"
                                    + " u16=65535 i32=-1 u32=4294967295 i64=-1 u64=18446744073709551615",
                            "               7 [000]  5075.185424114: test:floats: tid=12 f=1.5 d=0.25",
                            "               7 [000]  5075.185424115: test:misc: tid=12 flag=true c='\\''"
                                    + " state=WAITING s=\"a \\\"q\\\"\\n\" b={0x01,0xab}");
        }
    }

    @Test
    void refusesWhatIsNoTraceOfThisModule() throws Exception {
        assertThatThrownBy(() -> CtfReader.open(tmp))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("no CTF trace in " + tmp);
        Files.writeString(tmp.resolve("metadata"), "/* CTF 1.8 */\ntrace { major = 2; };\n");
        assertThatThrownBy(() -> CtfReader.open(tmp))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("metadata line 2: trace major 2 is not 1");
        Files.writeString(tmp.resolve("metadata"), "trace { major = 1; };\n");
        assertThatThrownBy(() -> CtfReader.open(tmp))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("does not begin with \"/* CTF 1.8\"");
    }

    /**
     * A trace in {@code folder} whose stream 0/7 holds one empty packet of 200 bytes per {@code
     * packets} entry: {sequence number, events discarded so far, time}.
     */
    private static void writeEmptyPackets(Path folder, long[]... packets) throws IOException {
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16));
                Arena arena = Arena.ofConfined()) {
            StreamFile stream = trace.openStream(0, 7);
            Traces.appendEmptyPackets(stream, stream.newPacketFields(), arena.allocate(256), 200, packets);
        }
    }
}
