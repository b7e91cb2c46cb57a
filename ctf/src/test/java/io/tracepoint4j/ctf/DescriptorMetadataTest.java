package io.tracepoint4j.ctf;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/STYLE.md rule 7: the binary layouts are drawn once, in PacketHeaderDescriptor,
 * PacketContextDescriptor and EventHeaderDescriptor, and three things agree with them: the TSDL the
 * metadata declares (parsed here on its own, with regular expressions, not with the module's
 * parser), the diagram in each descriptor's source, and the bytes Packets.finish and EventEncoder
 * write.
 */
class DescriptorMetadataTest {
    /** A field of a layout: its name, TSDL type, offset and size, as one of the three sources says. */
    record Declared(String name, String type, int offset, int size) {}

    private static final Pattern ALIAS =
            Pattern.compile("typealias (integer|floating_point|string) \\{([^}]*)\\} := (\\w+);");
    private static final Pattern FIELD = Pattern.compile("^\\s*(\\w+) (\\w+)(?:\\[(\\d+)\\])?;$", Pattern.MULTILINE);

    static TraceMetadata metadata(int eventIdBits) {
        return TraceMetadata.builder()
                .uuid(UUID.fromString("00112233-4455-6677-8899-aabbccddeeff"))
                .clock(Traces.fixedClock())
                .streamClass(StreamClass.builder(3)
                        .eventIdBits(eventIdBits)
                        .contextField(Field.of("cpu", FieldType.UINT16))
                        .contextField(Field.of("tid", FieldType.INT64))
                        .contextField(Field.of("on", FieldType.BOOLEAN))
                        .build())
                .build();
    }

    @Test
    void packetHeaderAgrees() throws Exception {
        String text = metadata(16).text();
        List<Declared> tsdl = struct(text, "packet.header");
        assertThat(tsdl).isEqualTo(slots(PacketHeaderDescriptor.SLOTS)).isEqualTo(diagram("PacketHeaderDescriptor", 0));
        assertThat(offsetOf(tsdl, "magic")).isEqualTo(PacketHeaderDescriptor.MAGIC_OFFSET);
        assertThat(offsetOf(tsdl, "uuid")).isEqualTo(PacketHeaderDescriptor.UUID_OFFSET);
        assertThat(sizeOf(tsdl, "uuid")).isEqualTo(PacketHeaderDescriptor.UUID_SIZE);
        assertThat(offsetOf(tsdl, "stream_id")).isEqualTo(PacketHeaderDescriptor.STREAM_ID_OFFSET);
        assertThat(offsetOf(tsdl, "stream_instance_id")).isEqualTo(PacketHeaderDescriptor.STREAM_INSTANCE_ID_OFFSET);
        assertThat(end(tsdl)).isEqualTo(PacketHeaderDescriptor.SIZE);
    }

    @Test
    void packetContextAgrees() throws Exception {
        TraceMetadata metadata = metadata(16);
        List<Declared> tsdl = struct(metadata.text(), "packet.context", PacketHeaderDescriptor.SIZE);
        List<Declared> standard = tsdl.subList(0, PacketContextDescriptor.SLOTS.size());
        assertThat(standard)
                .isEqualTo(slots(PacketContextDescriptor.SLOTS))
                .isEqualTo(diagram("PacketContextDescriptor", 0));
        assertThat(offsetOf(tsdl, "timestamp_begin")).isEqualTo(PacketContextDescriptor.TIMESTAMP_BEGIN_OFFSET);
        assertThat(offsetOf(tsdl, "timestamp_end")).isEqualTo(PacketContextDescriptor.TIMESTAMP_END_OFFSET);
        assertThat(offsetOf(tsdl, "content_size")).isEqualTo(PacketContextDescriptor.CONTENT_SIZE_OFFSET);
        assertThat(offsetOf(tsdl, "packet_size")).isEqualTo(PacketContextDescriptor.PACKET_SIZE_OFFSET);
        assertThat(offsetOf(tsdl, "events_discarded")).isEqualTo(PacketContextDescriptor.EVENTS_DISCARDED_OFFSET);
        assertThat(offsetOf(tsdl, "packet_seq_num")).isEqualTo(PacketContextDescriptor.PACKET_SEQ_NUM_OFFSET);
        assertThat(end(standard)).isEqualTo(PacketContextDescriptor.CUSTOM_OFFSET);
        assertThat(PacketContextDescriptor.NAMES).containsExactlyElementsOf(names(standard));
        // the stream class's own fields follow, where PacketLayout puts them
        PacketLayout layout = metadata.packetLayout(3);
        assertThat(tsdl.subList(standard.size(), tsdl.size()))
                .containsExactly(
                        new Declared("cpu", "uint16_t", layout.contextOffset(0), 2),
                        new Declared("tid", "int64_t", layout.contextOffset(1), 8),
                        new Declared("on", "boolean_t", layout.contextOffset(2), 1));
        assertThat(end(tsdl)).isEqualTo(layout.eventsOffset());
    }

    @Test
    void eventHeaderAgrees() throws Exception {
        for (int bits : new int[] {16, 32}) {
            TraceMetadata metadata = metadata(bits);
            List<Declared> tsdl = struct(metadata.text(), "event.header");
            assertThat(tsdl)
                    .isEqualTo(slots(EventHeaderDescriptor.slots(bits)))
                    .isEqualTo(diagram("EventHeaderDescriptor", bits == 16 ? 0 : 1));
            assertThat(offsetOf(tsdl, "id")).isEqualTo(EventHeaderDescriptor.ID_OFFSET);
            assertThat(offsetOf(tsdl, "timestamp")).isEqualTo(EventHeaderDescriptor.timestampOffset(bits));
            assertThat(end(tsdl))
                    .isEqualTo(EventHeaderDescriptor.size(bits))
                    .isEqualTo(metadata.packetLayout(3).eventHeaderSize())
                    .isEqualTo(bits == 16 ? EventHeaderDescriptor.SIZE_ID16 : EventHeaderDescriptor.SIZE_ID32);
        }
    }

    /** The bytes written land where the metadata says each field is. */
    @Test
    void bytesAreWhereTheMetadataSays() {
        TraceMetadata metadata = metadata(32);
        String text = metadata.text();
        List<Declared> fields = new ArrayList<>(struct(text, "packet.header"));
        fields.addAll(struct(text, "packet.context", PacketHeaderDescriptor.SIZE));
        PacketLayout layout = metadata.packetLayout(3);
        MemorySegment packet = MemorySegment.ofArray(new byte[256]);
        packet.fill((byte) 0x77);
        long end = EventEncoder.eventHeader(packet, layout.eventsOffset(), layout, 0x01020304, 0x0A0B0C0D0E0F1011L);
        PacketFields values = layout.newPacketFields(0x2122232425262728L)
                .timestampBegin(0x3132333435363738L)
                .timestampEnd(0x4142434445464748L)
                .contentSize(end)
                .packetSize(200)
                .eventsDiscarded(0x5152535455565758L)
                .sequenceNumber(0x6162636465666768L)
                .context(0, 0x7172)
                .context(1, 0x0102030405060708L)
                .context(2, 1);
        Packets.finish(packet, values);
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("magic", 0xC1FC1FC1L);
        expected.put("stream_id", 3L);
        expected.put("stream_instance_id", 0x2122232425262728L);
        expected.put("timestamp_begin", 0x3132333435363738L);
        expected.put("timestamp_end", 0x4142434445464748L);
        expected.put("content_size", end * 8);
        expected.put("packet_size", 200L * 8);
        expected.put("events_discarded", 0x5152535455565758L);
        expected.put("packet_seq_num", 0x6162636465666768L);
        expected.put("cpu", 0x7172L);
        expected.put("tid", 0x0102030405060708L);
        expected.put("on", 1L);
        for (Declared field : fields) {
            if (field.name().equals("uuid")) {
                assertThat(packet.asSlice(field.offset(), 16).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                        .isEqualTo(new byte[] {
                            0x00,
                            0x11,
                            0x22,
                            0x33,
                            0x44,
                            0x55,
                            0x66,
                            0x77,
                            (byte) 0x88,
                            (byte) 0x99,
                            (byte) 0xaa,
                            (byte) 0xbb,
                            (byte) 0xcc,
                            (byte) 0xdd,
                            (byte) 0xee,
                            (byte) 0xff
                        });
                continue;
            }
            assertThat(read(packet, field.offset(), field.size()))
                    .as(field.name())
                    .isEqualTo(expected.get(field.name()));
        }
        List<Declared> header = struct(text, "event.header", layout.eventsOffset());
        assertThat(read(packet, header.get(0).offset(), header.get(0).size())).isEqualTo(0x01020304L);
        assertThat(read(packet, header.get(1).offset(), header.get(1).size())).isEqualTo(0x0A0B0C0D0E0F1011L);
        assertThat(end).isEqualTo(end(header));
        // the padding after content_size is zeroed, the bytes after packet_size left alone
        for (long i = end; i < 200; i++) {
            assertThat(packet.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i)).isZero();
        }
        assertThat(packet.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 200)).isEqualTo((byte) 0x77);
    }

    private static long read(MemorySegment packet, long offset, int size) {
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            value = value << 8 | (packet.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset + i) & 0xFF);
        }
        return value;
    }

    /** The fields of the metadata's {@code name := struct {...}}, laid out from {@code start}. */
    static List<Declared> struct(String text, String name, int start) {
        Map<String, Integer> sizes = new HashMap<>();
        Matcher alias = ALIAS.matcher(text);
        while (alias.find()) {
            String body = alias.group(2);
            int bits = alias.group(1).equals("floating_point")
                    ? number(body, "exp_dig") + number(body, "mant_dig")
                    : alias.group(1).equals("integer") ? number(body, "size") : -8;
            if (!alias.group(1).equals("string")) { // byte-aligned by definition
                assertThat(body).as("alias %s", alias.group(3)).contains("align = 8;");
            }
            sizes.put(alias.group(3), bits / 8);
        }
        int open = text.indexOf(name + " := struct {");
        assertThat(open).as("%s in%n%s", name, text).isPositive();
        String body = text.substring(open, text.indexOf("};", open));
        List<Declared> fields = new ArrayList<>();
        int offset = start;
        Matcher field = FIELD.matcher(body);
        while (field.find()) {
            Integer size = sizes.get(field.group(1));
            assertThat(size).as("the size of %s", field.group(1)).isNotNull().isPositive();
            int count = field.group(3) == null ? 1 : Integer.parseInt(field.group(3));
            fields.add(new Declared(field.group(2), field.group(1), offset, size * count));
            offset += size * count;
        }
        return fields;
    }

    static List<Declared> struct(String text, String name) {
        return struct(text, name, 0);
    }

    /** The descriptor's slots, as Declared (the uuid's element type as declared). */
    static List<Declared> slots(List<Slot> slots) {
        List<Declared> declared = new ArrayList<>();
        for (Slot slot : slots) {
            declared.add(new Declared(slot.name, slot.type, slot.offset, slot.size));
        }
        return declared;
    }

    /**
     * The rows of the diagram in the descriptor's source ({@code offset size name type}), the
     * {@code column}-th table of a row when the diagram has two side by side.
     */
    static List<Declared> diagram(String descriptor, int column) throws Exception {
        Path source = Path.of("src/main/java/io/tracepoint4j/ctf", descriptor + ".java");
        Pattern row = Pattern.compile("(\\d+)\\s+(\\d+)\\s+(\\w+)\\s+(\\w+)(?:\\[\\d+\\])?");
        List<Declared> rows = new ArrayList<>();
        for (String line : Files.readAllLines(source)) {
            if (!line.startsWith(" *  ") || line.contains("offset")) {
                continue;
            }
            Matcher m = row.matcher(line);
            for (int found = 0; m.find(); found++) {
                if (found == column) {
                    rows.add(new Declared(
                            m.group(3), m.group(4), Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
                }
            }
        }
        assertThat(rows).as("diagram rows of %s", source).isNotEmpty();
        return rows;
    }

    private static int number(String body, String key) {
        Matcher m = Pattern.compile(key + " = (\\d+);").matcher(body);
        assertThat(m.find()).as("%s in %s", key, body).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static int offsetOf(List<Declared> fields, String name) {
        for (Declared field : fields) {
            if (field.name().equals(name)) {
                return field.offset();
            }
        }
        throw new AssertionError(name + " not in " + fields);
    }

    private static int sizeOf(List<Declared> fields, String name) {
        for (Declared field : fields) {
            if (field.name().equals(name)) {
                return field.size();
            }
        }
        throw new AssertionError(name + " not in " + fields);
    }

    private static int end(List<Declared> fields) {
        Declared last = fields.get(fields.size() - 1);
        return last.offset() + last.size();
    }

    private static List<String> names(List<Declared> fields) {
        List<String> names = new ArrayList<>();
        for (Declared field : fields) {
            names.add(field.name());
        }
        return names;
    }
}
