package io.tracepoint4j.ctf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The metadata's text and the rules its builders enforce, each refusal naming the mistake. */
class MetadataTest {

    @Test
    void beginsWithTheCtfVersionComment() {
        String text = Traces.allTypes(16).text();
        assertThat(text).startsWith("/* CTF 1.8 */\n");
        assertThat(text).contains("byte_order = le;", "major = 1;", "minor = 8;");
    }

    /** What babeltrace2 reads back (BabeltraceTest.readsAwkwardNamesAndStrings), the parser reads too. */
    @Test
    void parsesWhatItWrites() {
        TraceMetadata written = TraceMetadata.builder()
                .clock(CtfClock.monotonic())
                .env("hostname", "a \"b\" \\c\n\t\u0001 \u00e9 \ud83d\ude00")
                .env("pid", -42)
                .env("big", Long.MAX_VALUE)
                .streamClass(Traces.allTypesStream(32))
                .streamClass(StreamClass.builder(9)
                        .contextField(Field.of("_x", FieldType.CHAR))
                        .eventClass(EventClass.of(
                                65535,
                                "n\u00e4me \"q\"",
                                Field.of("align", FieldType.BOOLEAN),
                                Field.of("_event", FieldType.BYTES),
                                Field.ofEnum("e", List.of("A b", "\"c\"", "\\"))))
                        .build())
                .build();
        assertThat(TraceMetadata.parse(written.text())).isEqualTo(written);
        assertThat(TraceMetadata.parse(written.text()).env().get("hostname"))
                .isEqualTo("a \"b\" \\c\n\t\u0001 \u00e9 \ud83d\ude00");
    }

    @ParameterizedTest
    @CsvSource({
        "plain, plain, plain",
        "align, align, _align",
        "string, string, _string",
        "uint32_t, uint32_t, _uint32_t",
        "timestamp_t, timestamp_t, _timestamp_t",
        "_x, _x, __x",
        "1st, 1st, _1st",
        "my-field, my_field, my_field",
        "na\u00efve, na_ve, na_ve",
        "\ud83d\ude00, _, __",
        "a.b c, a_b_c, a_b_c",
    })
    void escapesFieldNames(String name, String shown, String identifier) {
        Field field = Field.of(name, FieldType.INT32);
        assertThat(field.shownName()).isEqualTo(shown);
        assertThat(field.identifier()).isEqualTo(identifier);
        assertThat(Tsdl.fromIdentifier(field.identifier())).isEqualTo(shown);
    }

    @Test
    void quotesEveryCharacterSoThatItReadsBack() {
        StringBuilder all = new StringBuilder();
        for (char c = 1; c < 0x300; c++) {
            all.append(c);
        }
        all.append("\ud83d\ude00\u20ac");
        String literal = Tsdl.literal(all.toString());
        assertThat(literal).startsWith("\"").endsWith("\"").doesNotContain("\n").doesNotContain("\u0001");
        assertThat(TsdlParser.unquote(literal)).isEqualTo(all.toString());
        assertThat(Tsdl.literal("\u0001x")).isEqualTo("\"\\001x\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"lttng-ust", "lttng-modules", " LTTng-UST "})
    void refusesAnLttngTracerName(String name) {
        assertThatThrownBy(() -> TraceMetadata.builder().env("tracer_name", name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("babeltrace2 would take the trace for LTTng's")
                .hasMessageContaining("workarounds");
        TraceMetadata.builder().env("tracer_name", "tracepoint4j").env("tracer_major", 1);
    }

    @Test
    void refusesBadEnvironmentEntries() {
        assertThatThrownBy(() -> TraceMetadata.builder().env("host-name", "x"))
                .hasMessageContaining("env key \"host-name\" is not a TSDL identifier")
                .hasMessageContaining("rename it, e.g. to host_name");
        assertThatThrownBy(() -> TraceMetadata.builder().env("clock", 1)).hasMessageContaining("not a keyword");
        assertThatThrownBy(() -> TraceMetadata.builder().env("uint32_t", 1))
                .hasMessageContaining("not a keyword or type name")
                .hasMessageContaining("e.g. to _uint32_t");
        assertThatThrownBy(() -> TraceMetadata.builder().env("a", "x").env("a", 2))
                .hasMessageContaining("env key a is given twice");
        assertThatThrownBy(() -> TraceMetadata.builder().env("a", "x\u0000y"))
                .hasMessageContaining("a NUL character cannot be written in CTF metadata");
    }

    @Test
    void refusesFieldsThatWouldShowUnderOneName() {
        assertThatThrownBy(
                        () -> EventClass.of(0, "e", Field.of("a-b", FieldType.INT8), Field.of("a_b", FieldType.INT8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fields \"a-b\" and \"a_b\" would both be shown as a_b");
        assertThatThrownBy(() ->
                        EventClass.of(0, "e", Field.of("b", FieldType.BYTES), Field.of("b_length", FieldType.UINT32)))
                .hasMessageContaining("would both be shown as b_length");
        assertThatThrownBy(() -> Field.of("", FieldType.INT8)).hasMessageContaining("must not be empty");
        assertThatThrownBy(() -> Field.of("e", FieldType.ENUM)).hasMessageContaining("use Field.ofEnum(name, labels)");
        assertThatThrownBy(() -> Field.ofEnum("e", List.of())).hasMessageContaining("has no labels");
        assertThatThrownBy(() -> Field.ofEnum("e", List.of("A", "A"))).hasMessageContaining("repeats label \"A\"");
    }

    /**
     * withUniqueNames renames what refusesFieldsThatWouldShowUnderOneName refuses: a later field
     * shown as an earlier one, or as an earlier companion, or whose companion would be, gets "_"
     * until it stands alone; the rest are kept, and the event class then accepts them.
     */
    @Test
    void withUniqueNamesRenamesTheLaterOfTwoFieldsShownAlike() {
        List<Field> fields = Field.withUniqueNames(List.of(
                Field.of("tid", FieldType.INT64),
                Field.of("tid", FieldType.INT32),
                Field.of("tid_", FieldType.INT8),
                Field.of("b", FieldType.BYTES),
                Field.of("b_length", FieldType.UINT32),
                Field.of("c_length", FieldType.UINT32),
                Field.of("c", FieldType.BYTES),
                Field.ofEnum("a-b", List.of("X")),
                Field.of("a_b", FieldType.STRING)));
        assertThat(fields.stream().map(Field::name))
                .containsExactly("tid", "tid_", "tid__", "b", "b_length_", "c_length", "c_", "a-b", "a_b_");
        assertThat(fields.get(7).labels()).containsExactly("X");
        assertThat(fields.get(1).type()).isEqualTo(FieldType.INT32);
        assertThat(EventClass.of(0, "e", fields).fields()).isEqualTo(fields);
        List<Field> apart = List.of(Field.of("a", FieldType.INT8), Field.of("b", FieldType.BYTES));
        assertThat(Field.withUniqueNames(apart)).isEqualTo(apart);
    }

    @Test
    void refusesBadStreamAndEventClasses() {
        assertThatThrownBy(() -> StreamClass.builder(0).eventClass(EventClass.of(65536, "big")))
                .hasMessageContaining("too large for 16-bit event ids; use eventIdBits(32)");
        StreamClass.builder(0)
                .eventIdBits(32)
                .eventClass(EventClass.of(65536, "big"))
                .build();
        assertThatThrownBy(() -> StreamClass.builder(0).eventIdBits(8)).hasMessageContaining("16 or 32 bits wide");
        assertThatThrownBy(() ->
                        StreamClass.builder(0).eventClass(EventClass.of(1, "a")).eventClass(EventClass.of(1, "b")))
                .hasMessageContaining("already has event class id 1 (\"a\"); give \"b\" another id");
        assertThatThrownBy(() -> StreamClass.builder(0).contextField(Field.of("name", FieldType.STRING)))
                .hasMessageContaining("must be an integer type");
        assertThatThrownBy(() -> StreamClass.builder(0).contextField(Field.of("packet_size", FieldType.UINT64)))
                .hasMessageContaining("has the name of a standard packet context field");
        assertThatThrownBy(() -> EventClass.of(-1, "x")).hasMessageContaining("is negative");
        assertThatThrownBy(() -> EventClass.of(0, "")).hasMessageContaining("the name must not be empty");
        assertThatThrownBy(() -> TraceMetadata.builder().build()).hasMessageContaining("at least one stream class");
        assertThatThrownBy(() -> TraceMetadata.builder()
                        .streamClass(StreamClass.builder(1).build())
                        .streamClass(StreamClass.builder(1).build()))
                .hasMessageContaining("already has stream class 1");
        assertThatThrownBy(() -> Traces.allTypes(16).packetLayout(4))
                .hasMessageContaining("the trace has no stream class 4; its stream classes are [0]");
    }

    @Test
    void refusesBadClocks() {
        assertThatThrownBy(() -> CtfClock.builder("my clock")).hasMessageContaining("is not a TSDL identifier");
        assertThatThrownBy(() -> CtfClock.builder("c").frequency(0)).hasMessageContaining("must be 1 or more");
        assertThatThrownBy(() -> CtfClock.builder("c").offset(1, 1_000_000_000).build())
                .hasMessageContaining("must be below the frequency");
    }

    @Test
    void appendsEventClassesAddedLater() {
        TraceMetadata metadata = Traces.allTypes(16);
        EventClass late = EventClass.of(100, "late", Field.of("x", FieldType.INT8));
        TraceMetadata next = metadata.withEventClass(0, late);
        assertThat(next.text()).startsWith(metadata.text()).endsWith(MetadataText.eventBlock(0, late));
        assertThat(next.streamClass(0).eventClass(100)).isEqualTo(late);
        assertThat(TraceMetadata.parse(next.text())).isEqualTo(next);
        assertThatThrownBy(() -> metadata.withEventClass(0, EventClass.of(3, "again")))
                .hasMessageContaining("already has event class id 3");
        TraceMetadata more = next;
        StringBuilder expected = new StringBuilder(next.text());
        for (int id = 101; id < 104; id++) {
            EventClass another = EventClass.of(id, "late" + id);
            more = more.withEventClass(0, another);
            expected.append('\n').append(MetadataText.eventBlock(0, another));
        }
        assertThat(more.text())
                .as("each block after the one before, in the order added")
                .isEqualTo(expected.toString());
        assertThat(next.text()).as("an earlier metadata keeps its text").endsWith(MetadataText.eventBlock(0, late));
        assertThatThrownBy(() -> metadata.withEventClass(0, EventClass.of(103, "again"))
                        .withEventClass(0, late)
                        .withEventClass(0, EventClass.of(103, "twice")))
                .hasMessageContaining("already has event class id 103");
    }

    /**
     * A trace that gains its event classes one at a time, thousands of them (a session recording
     * every tracepoint of a large application), writes and reads them all. Adding one used to copy
     * the whole text, check every class again and force the file: quadratic and worse.
     */
    @Test
    void aTraceGainsThousandsOfEventClassesOneByOne(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16))) {
            for (int id = 100; id < 5100; id++) {
                trace.addEventClass(0, EventClass.of(id, "many:e" + id, Field.of("x", FieldType.INT32)));
            }
            StreamWriter out = trace.openWriter(0, 1, 4096);
            long at = out.begin(5099, 1000, 4);
            out.commit(EventEncoder.putInt(out.segment(), at, 7));
        }
        try (CtfReader reader = CtfReader.open(folder)) {
            assertThat(reader.metadata().streamClass(0).eventClass(5099).name()).isEqualTo("many:e5099");
            assertThat(reader.events())
                    .singleElement()
                    .satisfies(e -> assertThat(e.field("x")).isEqualTo(7));
        }
        assertThat(io.tracepoint4j.testkit.Babeltrace.run(folder).clean().stdout())
                .singleElement()
                .satisfies(line -> assertThat(line).contains("many:e5099").contains("x = 7"));
    }
}
