package io.tracepoint4j.ctf;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.testkit.Babeltrace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * babeltrace2 2.0.4, the judge (docs/STYLE.md rule 11), reads what this module writes: it prints
 * exactly the events written, with their values, in timestamp order, exits with 0 and says nothing
 * on stderr; traces of two JVMs merge on one timeline; losses are reported with their exact counts.
 */
class BabeltraceTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}-bit event ids")
    @ValueSource(ints = {16, 32})
    void printsEveryFieldTypeExactly(int eventIdBits) throws Exception {
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(eventIdBits))) {
            StreamWriter out = trace.openWriter(0, 7, 4096);
            out.context(0, 4711);
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
            Traces.floats(out, 2000, 1.5f, -2.25e100);
            Traces.floats(out, 2500, 0.1f, Math.PI);
            Traces.misc(
                    out, 3000, true, 'A', Thread.State.BLOCKED, "h\u00e9llo \"w\"\\\n", new byte[] {1, 2, (byte) 255});
            Traces.misc(out, 4000, false, '\u00e9', null, "", new byte[0]);
            Traces.empty(out, 5000);
        }
        assertThat(Babeltrace.run(folder).clean().stdout())
                .containsExactly(
                        "[22:13:20.000001000] (+?.?????????) testhost test:ints: { tid = 4711 }, { i8 = -128,"
                                + " u8 = 255, i16 = -32768, u16 = 65535, i32 = -2147483648, u32 = 4294967295,"
                                + " i64 = -9223372036854775808, u64 = 18446744073709551615 }",
                        "[22:13:20.000002000] (+0.000001000) testhost test:floats: { tid = 4711 }, { f = 1.5,"
                                + " d = -2.25e+100 }",
                        // babeltrace2 prints floating-point numbers as printf's %g does: 6 significant digits
                        "[22:13:20.000002500] (+0.000000500) testhost test:floats: { tid = 4711 }, { f = 0.1,"
                                + " d = 3.14159 }",
                        "[22:13:20.000003000] (+0.000000500) testhost test:misc: { tid = 4711 }, { flag = 1, c = 65,"
                                + " state = ( \"BLOCKED\" : container = 2 ), s = \"h\u00e9llo \\\"w\\\"\\\\\\n\","
                                + " b_length = 3, b = [ [0] = 1, [1] = 2, [2] = 255 ] }",
                        "[22:13:20.000004000] (+0.000001000) testhost test:misc: { tid = 4711 }, { flag = 0, c = 233,"
                                + " state = ( \"(null)\" : container = -1 ), s = \"\", b_length = 0, b = [ ] }",
                        "[22:13:20.000005000] (+0.000001000) testhost test:empty: { tid = 4711 }, { }");
    }

    /**
     * The tracer's way: records written into a sub-buffer from eventsOffset() on, the sub-buffer
     * finished in place as a packet with padding (content_size < packet_size), appended whole.
     */
    @Test
    void readsSubBuffersFinishedInPlace() throws Exception {
        Path folder = tmp.resolve("trace");
        int subBufferSize = 512;
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16));
                Arena arena = Arena.ofConfined()) {
            StreamFile stream = trace.openStream(0, 3);
            PacketLayout layout = stream.layout();
            PacketFields fields = stream.newPacketFields().context(layout.contextFieldIndex("tid"), 99);
            MemorySegment subBuffer = arena.allocate(subBufferSize);
            subBuffer.fill((byte) 0x5A); // stale bytes: finish() must zero the padding
            long timestamp = 1000;
            for (int packet = 0; packet < 3; packet++) {
                long at = layout.eventsOffset();
                long begin = timestamp;
                for (int event = 0; event < 2; event++) {
                    at = EventEncoder.eventHeader(subBuffer, at, layout, Traces.FLOATS.id(), timestamp);
                    at = EventEncoder.putFloat(subBuffer, at, packet);
                    at = EventEncoder.putDouble(subBuffer, at, event);
                    timestamp += 1000;
                }
                fields.timestampBegin(begin)
                        .timestampEnd(timestamp - 1000)
                        .contentSize(at)
                        .packetSize(subBufferSize)
                        .sequenceNumber(packet);
                Packets.finish(subBuffer, fields);
                stream.append(subBuffer);
            }
        }
        assertThat(Files.size(folder.resolve("stream-0-3"))).isEqualTo(3L * subBufferSize);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            expected.add(String.format(
                    "[22:13:20.00000%d000] (%s) testhost test:floats: { tid = 99 }, { f = %d, d = %d }",
                    i + 1, i == 0 ? "+?.?????????" : "+0.000001000", i / 2, i % 2));
        }
        assertThat(Babeltrace.run(folder).clean().stdout()).containsExactlyElementsOf(expected);
    }

    /**
     * Two JVMs of one machine write a trace each, with one clock UUID: {@code babeltrace2 DIR1 DIR2}
     * interleaves their events by time.
     */
    @Test
    void mergesTwoTracesWithOneClockUuid() throws Exception {
        Path jvm1 = tmp.resolve("jvm1");
        Path jvm2 = tmp.resolve("jvm2");
        writeEmptyEvents(jvm1, Traces.fixedClock(), 1, 1000, 3000, 5000);
        writeEmptyEvents(jvm2, Traces.fixedClock(), 2, 2000, 4000, 6000);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            expected.add(String.format(
                    "[22:13:20.00000%d000] (%s) testhost test:empty: { tid = %d }, { }",
                    i + 1, i == 0 ? "+?.?????????" : "+0.000001000", i % 2 + 1));
        }
        assertThat(Babeltrace.run(jvm1, jvm2).clean().stdout()).containsExactlyElementsOf(expected);
    }

    /**
     * The real thing: each "JVM" measures its own monotonic clock's offset (so the offsets differ by
     * a little) and stamps its events with System.nanoTime(); the boot id as clock UUID merges them.
     */
    @Test
    void mergesTwoMonotonicTracesOfOneBoot() throws Exception {
        assertThat(CtfClock.bootId()).as("this machine's boot id").isNotNull();
        CtfClock clock1 = CtfClock.monotonic();
        CtfClock clock2 = CtfClock.monotonic();
        assertThat(clock1.uuid()).isEqualTo(clock2.uuid()).isEqualTo(CtfClock.bootId());
        long[] times = new long[6];
        for (int i = 0; i < times.length; i++) {
            Thread.sleep(2);
            times[i] = System.nanoTime();
        }
        writeEmptyEvents(tmp.resolve("jvm1"), clock1, 1, times[0], times[2], times[4]);
        writeEmptyEvents(tmp.resolve("jvm2"), clock2, 2, times[1], times[3], times[5]);
        List<String> lines =
                Babeltrace.run(tmp.resolve("jvm1"), tmp.resolve("jvm2")).clean().stdout();
        assertThat(lines).hasSize(6);
        for (int i = 0; i < 6; i++) {
            assertThat(lines.get(i)).endsWith(" testhost test:empty: { tid = " + (i % 2 + 1) + " }, { }");
        }
    }

    /** The control: clocks of two UUIDs do not merge, babeltrace2 refuses. */
    @Test
    void refusesToMergeClocksOfTwoUuids() throws Exception {
        CtfClock other = CtfClock.builder("monotonic")
                .uuid(UUID.randomUUID())
                .offset(Traces.OFFSET_SECONDS, 0)
                .build();
        writeEmptyEvents(tmp.resolve("jvm1"), Traces.fixedClock(), 1, 1000);
        writeEmptyEvents(tmp.resolve("jvm2"), other, 2, 2000);
        Babeltrace.Run run = Babeltrace.run(tmp.resolve("jvm1"), tmp.resolve("jvm2"));
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("clock");
    }

    /** With the monotonic clock, babeltrace2 prints each event at its wall-clock time. */
    @Test
    void printsWallClockTimesOfTheMonotonicClock() throws Exception {
        CtfClock clock = CtfClock.monotonic();
        long timestamp = System.nanoTime();
        Instant wall = Instant.now();
        writeEmptyEvents(tmp.resolve("trace"), clock, 1, timestamp);
        List<String> lines =
                Babeltrace.run("--clock-date", tmp.resolve("trace")).clean().stdout();
        assertThat(lines).hasSize(1);
        Instant printed = LocalDateTime.parse(
                        lines.get(0).substring(1, lines.get(0).indexOf(']')),
                        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSSSS"))
                .toInstant(ZoneOffset.UTC);
        assertThat(Duration.between(wall, printed).abs()).isLessThan(Duration.ofMillis(100));
        assertThat(clock.toInstant(timestamp)).isEqualTo(printed);
    }

    /**
     * Losses, as the tracer counts them: events_discarded 0, 3, 3, 10 (3 then 7 events lost) and
     * packet_seq_num 0, 1, 3, 4 (packet 2 lost). babeltrace2 warns of each with its exact count and
     * still prints every event it has, exiting with 0.
     */
    @Test
    void reportsDiscardedEventsAndDroppedPackets() throws Exception {
        Path folder = tmp.resolve("trace");
        UUID uuid;
        long[][] packets = { // sequence number, events discarded so far, timestamp
            {0, 0, 1000}, {1, 3, 2000}, {3, 3, 4000}, {4, 10, 5000}
        };
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16));
                Arena arena = Arena.ofConfined()) {
            uuid = trace.metadata().uuid();
            StreamFile stream = trace.openStream(0, 7);
            Traces.appendEmptyPackets(
                    stream, stream.newPacketFields().context(0, 1), arena.allocate(256), 256, packets);
        }
        Babeltrace.Run run = Babeltrace.run(folder);
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout())
                .containsExactly(
                        "[22:13:20.000001000] (+?.?????????) testhost test:empty: { tid = 1 }, { }",
                        "[22:13:20.000002000] (+0.000001000) testhost test:empty: { tid = 1 }, { }",
                        "[22:13:20.000004000] (+0.000002000) testhost test:empty: { tid = 1 }, { }",
                        "[22:13:20.000005000] (+0.000001000) testhost test:empty: { tid = 1 }, { }");
        String where = " in trace \"testhost\" (UUID: " + uuid + ") within stream \""
                + folder.resolve("stream-0-7").toAbsolutePath() + "\" (stream class ID: 0, stream ID: 7).";
        assertThat(run.stderr().lines())
                .containsExactly(
                        "WARNING: Tracer discarded 3 events between [22:13:20.000001010] and [22:13:20.000002010]"
                                + where,
                        "WARNING: Tracer discarded 1 packet between [22:13:20.000002010] and [22:13:20.000004000]"
                                + where,
                        "WARNING: Tracer discarded 7 events between [22:13:20.000004010] and [22:13:20.000005010]"
                                + where);
    }

    /**
     * Names and texts that TSDL cannot hold as they are: field names that are keywords, type names,
     * begin with a digit or an underscore, or hold characters outside [A-Za-z0-9_]; an event name,
     * enum labels and env values with quotes, backslashes, control characters and non-ASCII text.
     */
    @Test
    void readsAwkwardNamesAndStrings() throws Exception {
        EventClass awkward = EventClass.of(
                0,
                "weird \"name\" \\ \u00fcnicode \ud83d\ude00",
                Field.of("align", FieldType.INT32),
                Field.of("_under", FieldType.INT32),
                Field.of("1st", FieldType.INT32),
                Field.of("my-field", FieldType.INT32),
                Field.of("na\u00efve", FieldType.INT32),
                Field.of("uint32_t", FieldType.INT32),
                Field.of("string", FieldType.STRING),
                Field.of("event", FieldType.BYTES),
                Field.ofEnum("label", List.of("say \"hi\"", "back\\slash", "\u00fcn\u00ef")));
        TraceMetadata metadata = TraceMetadata.builder()
                .clock(Traces.fixedClock())
                .env("hostname", "host \"quoted\" \\back\\slash \u00fcn\u00ef")
                .env("note", "line1\nline2\ttab\u0001end")
                .env("offset", -42)
                .streamClass(StreamClass.builder(0)
                        .contextField(Field.of("my tid", FieldType.UINT16))
                        .eventClass(awkward)
                        .build())
                .build();
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, metadata)) {
            StreamWriter out = trace.openWriter(0, 0, 4096);
            long size = 6 * 4 + EventEncoder.stringSize("s") + EventEncoder.bytesSize(new byte[1]) + 4;
            long at = out.begin(0, 1000, size);
            long end = at + size;
            MemorySegment s = out.segment();
            for (int i = 1; i <= 6; i++) {
                at = EventEncoder.putInt(s, at, i);
            }
            at = EventEncoder.putString(s, at, end, "s");
            at = EventEncoder.putBytes(s, at, end, new byte[] {9});
            at = EventEncoder.putInt(s, at, 1);
            out.commit(at);
        }
        assertThat(Babeltrace.run(folder).clean().stdout())
                .containsExactly("[22:13:20.000001000] (+?.?????????) host \"quoted\" \\back\\slash \u00fcn\u00ef"
                        + " weird \"name\" \\ \u00fcnicode \ud83d\ude00: { my_tid = 0 }, { align = 1, _under = 2,"
                        + " 1st = 3, my_field = 4, na_ve = 5, uint32_t = 6, string = \"s\", event_length = 1,"
                        + " event = [ [0] = 9 ], label = ( \"back\\\\slash\" : container = 1 ) }");
        List<String> details =
                Babeltrace.run(folder, "-c", "sink.text.details").clean().stdout();
        int env = details.indexOf("    Environment (3 entries):");
        assertThat(env).as("the environment in %s", details).isPositive();
        assertThat(details.subList(env + 1, env + 6))
                .containsExactly(
                        "      hostname: host \"quoted\" \\back\\slash \u00fcn\u00ef",
                        "      note: line1",
                        "line2\ttab\u0001end",
                        "      offset: -42",
                        "    Stream (ID 0, Class ID 0)");
    }

    /** The smallest trace: no environment, no context fields, a stream without events. */
    @Test
    void readsAMinimalTrace() throws Exception {
        Path folder = tmp.resolve("trace");
        TraceMetadata metadata = TraceMetadata.builder()
                .clock(Traces.fixedClock())
                .streamClass(StreamClass.builder(5)
                        .eventClass(EventClass.of(9, "only"))
                        .build())
                .build();
        try (CtfTrace trace = CtfTrace.create(folder, metadata)) {
            trace.openStream(5, 1).close(); // an empty stream file
            StreamWriter out = trace.openWriter(5, 2, 128);
            out.commit(out.begin(9, 1000, 0));
        }
        assertThat(Babeltrace.run(folder).clean().stdout())
                .containsExactly("[22:13:20.000001000] (+?.?????????) only: { }");
    }

    /** Event classes added while the trace is written are appended to the metadata, and read. */
    @Test
    void readsEventClassesAddedLater() throws Exception {
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16))) {
            StreamWriter out = trace.openWriter(0, 1, 1024);
            Traces.empty(out, 1000);
            trace.addEventClass(0, EventClass.of(70, "late:event", Field.of("n", FieldType.INT64)));
            long at = out.begin(70, 2000, 8);
            out.commit(EventEncoder.putLong(out.segment(), at, 42));
        }
        assertThat(Babeltrace.run(folder).clean().stdout())
                .containsExactly(
                        "[22:13:20.000001000] (+?.?????????) testhost test:empty: { tid = 0 }, { }",
                        "[22:13:20.000002000] (+0.000001000) testhost late:event: { tid = 0 }, { n = 42 }");
    }

    /** A trace of one stream class, one EMPTY event per timestamp, context tid = {@code tid}. */
    static void writeEmptyEvents(Path folder, CtfClock clock, int tid, long... timestamps) throws Exception {
        TraceMetadata metadata = TraceMetadata.builder()
                .clock(clock)
                .env("hostname", "testhost")
                .env("pid", 1000 + tid)
                .streamClass(Traces.allTypesStream(16))
                .build();
        try (CtfTrace trace = CtfTrace.create(folder, metadata)) {
            StreamWriter out = trace.openWriter(0, tid, 4096);
            out.context(0, tid);
            for (long timestamp : timestamps) {
                Traces.empty(out, timestamp);
            }
        }
    }
}
