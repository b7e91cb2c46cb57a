package io.tracepoint4j.ctf;

import java.util.List;
import java.util.Map;

/**
 * Writes a trace's metadata as TSDL text, the subset {@link TsdlParser} reads back:
 *
 * <pre>
 * /* CTF 1.8 *&#47;                      first line, exactly (babeltrace2 and Trace Compass look for it)
 * typealias integer {...} := int8_t;   one alias per FieldType (FieldType's alias names), all with
 * ...                                  align = 8 and the trace's byte order (little-endian)
 * trace { major = 1; minor = 8; uuid = "..."; byte_order = le;
 *         packet.header := struct {...}; };          PacketHeaderDescriptor's slots
 * env { key = "text"; key = 123; };
 * clock { name = "..."; uuid = "..."; description = "..."; freq = ...; precision = ...;
 *         offset_s = ...; offset = ...; absolute = false; };
 * typealias integer {... map = clock.NAME.value; } := timestamp_t;
 * stream { id = N; event.header := struct {...};      EventHeaderDescriptor's slots
 *          packet.context := struct {...}; };         PacketContextDescriptor's slots, then the
 *                                                     stream class's own context fields
 * event { name = "..."; id = N; stream_id = N; fields := struct {...}; };
 * </pre>
 *
 * Every name that is not a fixed word of the format is escaped ({@link Tsdl#identifier}, {@link
 * Tsdl#literal}).
 */
final class MetadataText {
    /** The first line of every metadata file. */
    static final String FIRST_LINE = "/* CTF 1.8 */";

    private MetadataText() {}

    /** The whole metadata of {@code m}. */
    static String of(TraceMetadata m) {
        StringBuilder out = new StringBuilder(4096);
        out.append(FIRST_LINE).append('\n');
        out.append("/* Written by tracepoint4j-ctf: little-endian, every field byte-aligned, no padding. */\n\n");
        for (FieldType type : FieldType.values()) {
            if (type.alias() != null) {
                out.append("typealias ")
                        .append(typeSpecifier(type))
                        .append(" := ")
                        .append(type.alias())
                        .append(";\n");
            }
        }
        out.append("\ntrace {\n");
        out.append("    major = 1;\n");
        out.append("    minor = 8;\n");
        out.append("    uuid = \"").append(m.uuid()).append("\";\n");
        out.append("    byte_order = le;\n");
        out.append("    packet.header := struct {\n");
        slots(out, PacketHeaderDescriptor.SLOTS);
        out.append("    };\n");
        out.append("};\n\n");

        out.append("env {\n");
        for (Map.Entry<String, Object> entry : m.env().entrySet()) {
            Object value = entry.getValue();
            out.append("    ").append(entry.getKey()).append(" = ");
            out.append(value instanceof String s ? Tsdl.literal(s) : value.toString());
            out.append(";\n");
        }
        out.append("};\n\n");

        CtfClock clock = m.clock();
        out.append("clock {\n");
        out.append("    name = ").append(Tsdl.literal(clock.name())).append(";\n");
        out.append("    uuid = \"").append(clock.uuid()).append("\";\n");
        out.append("    description = ")
                .append(Tsdl.literal(clock.description()))
                .append(";\n");
        out.append("    freq = ").append(clock.frequency()).append(";\n");
        out.append("    precision = ").append(clock.precision()).append(";\n");
        out.append("    offset_s = ").append(clock.offsetSeconds()).append(";\n");
        out.append("    offset = ").append(clock.offsetCycles()).append(";\n");
        out.append("    absolute = ")
                .append(clock.absolute() ? "true" : "false")
                .append(";\n");
        out.append("};\n\n");
        out.append("typealias integer { size = 64; align = 8; signed = false; map = clock.")
                .append(clock.name())
                .append(".value; } := ")
                .append(Tsdl.TIMESTAMP_ALIAS)
                .append(";\n");

        for (StreamClass stream : m.streamClasses()) {
            out.append("\nstream {\n");
            out.append("    id = ").append(stream.id()).append(";\n");
            out.append("    event.header := struct {\n");
            slots(out, EventHeaderDescriptor.slots(stream.eventIdBits()));
            out.append("    };\n");
            out.append("    packet.context := struct {\n");
            slots(out, PacketContextDescriptor.SLOTS);
            fields(out, stream.contextFields());
            out.append("    };\n");
            out.append("};\n");
        }
        for (StreamClass stream : m.streamClasses()) {
            for (EventClass event : stream.eventClasses()) {
                out.append('\n').append(eventBlock(stream.id(), event));
            }
        }
        return out.toString();
    }

    /** The {@code event} block declaring {@code event} in stream class {@code streamId}. */
    static String eventBlock(int streamId, EventClass event) {
        StringBuilder out = new StringBuilder(256);
        out.append("event {\n");
        out.append("    name = ").append(Tsdl.literal(event.name())).append(";\n");
        out.append("    id = ").append(event.id()).append(";\n");
        out.append("    stream_id = ").append(streamId).append(";\n");
        out.append("    fields := struct {\n");
        fields(out, event.fields());
        out.append("    };\n");
        out.append("};\n");
        return out.toString();
    }

    /** The TSDL type specifier of an aliased type. */
    static String typeSpecifier(FieldType type) {
        return switch (type) {
            case FLOAT -> "floating_point { exp_dig = 8; mant_dig = 24; align = 8; }";
            case DOUBLE -> "floating_point { exp_dig = 11; mant_dig = 53; align = 8; }";
            case STRING -> "string { encoding = UTF8; }";
            case BYTES, ENUM -> throw new IllegalArgumentException(type + " has no alias");
            default ->
                "integer { size = " + type.size() * 8 + "; align = 8; signed = " + (type.signed() ? "true" : "false")
                        + "; }";
        };
    }

    private static void slots(StringBuilder out, List<Slot> slots) {
        for (Slot slot : slots) {
            out.append("        ").append(slot.declaration()).append('\n');
        }
    }

    private static void fields(StringBuilder out, List<Field> fields) {
        for (Field field : fields) {
            out.append("        ");
            switch (field.type()) {
                case BYTES -> {
                    String length = Tsdl.identifier(field.lengthShownName());
                    out.append(FieldType.UINT32.alias())
                            .append(' ')
                            .append(length)
                            .append(";\n");
                    out.append("        ")
                            .append(FieldType.UINT8.alias())
                            .append(' ')
                            .append(field.identifier())
                            .append('[')
                            .append(length)
                            .append("];\n");
                }
                case ENUM -> {
                    out.append("enum : ").append(FieldType.INT32.alias()).append(" { ");
                    List<String> labels = field.labels();
                    for (int i = 0; i < labels.size(); i++) {
                        out.append(i == 0 ? "" : ", ")
                                .append(Tsdl.literal(labels.get(i)))
                                .append(" = ")
                                .append(i);
                    }
                    // a null enum is written -1 (EventEncoder.putEnum) and shown as a null string is
                    out.append(", ")
                            .append(Tsdl.literal(EventEncoder.NULL_STRING))
                            .append(" = -1");
                    out.append(" } ").append(field.identifier()).append(";\n");
                }
                default ->
                    out.append(field.type().alias())
                            .append(' ')
                            .append(field.identifier())
                            .append(";\n");
            }
        }
    }
}
