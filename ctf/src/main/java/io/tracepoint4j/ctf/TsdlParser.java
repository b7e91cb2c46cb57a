package io.tracepoint4j.ctf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reads back the TSDL that {@link MetadataText} writes (and appended event blocks): type aliases,
 * {@code trace}, {@code env}, {@code clock}, {@code stream} and {@code event} blocks, structures of
 * aliased, inline integer, floating-point and string types, enumerations, fixed arrays and sequences.
 * The packet header, event headers and the standard packet context must be exactly the descriptors'
 * (PacketHeaderDescriptor, EventHeaderDescriptor, PacketContextDescriptor): the reader decodes
 * packets by them. Anything else is refused with the line it is on.
 */
final class TsdlParser {
    /** A type as declared: an integer, a floating-point number, a string, or an enumeration. */
    private static final class Type {
        String kind; // "integer", "floating_point", "string", "enum"
        int size; // bits, for integers; exponent + mantissa digits for floating point
        boolean signed;
        int mantissa;
        String mappedClock;
        String alias;
        List<String> labels;
    }

    /** One declaration of a structure: a type, a name, and an array length (a number or a field). */
    private static final class Declaration {
        Type type;
        String identifier;
        String length; // null for a single value
        int line;
    }

    private final List<String> tokens = new ArrayList<>();
    private final List<Integer> lines = new ArrayList<>();
    private int next;
    private final Map<String, Type> aliases = new HashMap<>();

    private TsdlParser(String text) {
        tokenize(text);
    }

    static TraceMetadata parse(String text) {
        if (!text.startsWith("/* CTF 1.8")) {
            throw new IllegalArgumentException("metadata does not begin with \"/* CTF 1.8\": not CTF 1.8 text metadata"
                    + " (packetized metadata is not read either)");
        }
        return new TsdlParser(text).metadata();
    }

    private TraceMetadata metadata() {
        TraceMetadata.Builder trace = TraceMetadata.builder();
        CtfClock clock = null;
        List<StreamClass.Builder> streams = new ArrayList<>();
        List<Integer> streamIds = new ArrayList<>();
        Map<Integer, List<EventClass>> events = new LinkedHashMap<>();
        boolean sawTrace = false;
        while (next < tokens.size()) {
            String keyword = take();
            switch (keyword) {
                case "typealias" -> {
                    Type type = typeSpecifier();
                    expect(":=");
                    String name = identifier();
                    expect(";");
                    type.alias = name;
                    aliases.put(name, type);
                }
                case "trace" -> {
                    traceBlock(trace);
                    sawTrace = true;
                }
                case "env" -> envBlock(trace);
                case "clock" -> clock = clockBlock();
                case "stream" -> {
                    StreamClass.Builder stream = streamBlock(streamIds);
                    streams.add(stream);
                }
                case "event" -> eventBlock(events);
                default -> throw error(keyword, "a typealias, trace, env, clock, stream or event block");
            }
        }
        if (!sawTrace || clock == null || streams.isEmpty()) {
            throw new IllegalArgumentException(
                    "metadata lacks a trace, clock or stream block: not metadata tracepoint4j-ctf wrote");
        }
        trace.clock(clock);
        for (int i = 0; i < streams.size(); i++) {
            List<EventClass> classes = events.remove(streamIds.get(i));
            if (classes != null) {
                for (EventClass eventClass : classes) {
                    streams.get(i).eventClass(eventClass);
                }
            }
            trace.streamClass(streams.get(i).build());
        }
        if (!events.isEmpty()) {
            throw new IllegalArgumentException(
                    "metadata declares events of stream class(es) " + events.keySet() + ", which it does not declare");
        }
        return trace.build();
    }

    private void traceBlock(TraceMetadata.Builder trace) {
        expect("{");
        while (!peek("}")) {
            int line = line();
            String key = take();
            if (key.equals("packet")) {
                expect(".");
                expect("header");
                expect(":=");
                List<Declaration> header = struct();
                expect(";");
                checkSlots("trace.packet.header", header, PacketHeaderDescriptor.SLOTS, line);
                continue;
            }
            expect("=");
            String value = take();
            expect(";");
            switch (key) {
                case "major" -> require(value.equals("1"), line, "trace major " + value + " is not 1");
                case "minor" -> require(value.equals("8"), line, "trace minor " + value + " is not 8");
                case "byte_order" ->
                    require(value.equals("le"), line, "byte_order " + value + " is not le (little-endian)");
                case "uuid" -> trace.uuid(uuid(value, line));
                default -> throw error(key, "major, minor, uuid, byte_order or packet.header");
            }
        }
        expect("}");
        expect(";");
    }

    private void envBlock(TraceMetadata.Builder trace) {
        expect("{");
        while (!peek("}")) {
            String key = identifier();
            expect("=");
            int line = line();
            String value = take();
            expect(";");
            if (isString(value)) {
                trace.env(key, unquote(value));
            } else {
                trace.env(key, number(value, line));
            }
        }
        expect("}");
        expect(";");
    }

    private CtfClock clockBlock() {
        expect("{");
        Map<String, String> attributes = new HashMap<>();
        Map<String, Integer> attributeLines = new HashMap<>();
        while (!peek("}")) {
            String key = identifier();
            expect("=");
            attributeLines.put(key, line());
            attributes.put(key, take());
            expect(";");
        }
        expect("}");
        expect(";");
        String name = attributes.get("name");
        require(name != null, line(), "the clock has no name");
        CtfClock.Builder clock = CtfClock.builder(isString(name) ? unquote(name) : name);
        for (Map.Entry<String, String> a : attributes.entrySet()) {
            String value = a.getValue();
            int line = attributeLines.get(a.getKey());
            switch (a.getKey()) {
                case "name" -> {}
                case "uuid" -> clock.uuid(uuid(value, line));
                case "description" -> clock.description(unquote(value));
                case "freq" -> clock.frequency(number(value, line));
                case "precision" -> clock.precision(number(value, line));
                case "absolute" -> clock.absolute(value.equalsIgnoreCase("true") || value.equals("1"));
                case "offset_s", "offset" -> {}
                default ->
                    throw new IllegalArgumentException(
                            "metadata line " + line + ": unknown clock attribute " + a.getKey());
            }
        }
        clock.offset(
                number(attributes.getOrDefault("offset_s", "0"), line()),
                number(attributes.getOrDefault("offset", "0"), line()));
        return clock.build();
    }

    private StreamClass.Builder streamBlock(List<Integer> streamIds) {
        int blockLine = line();
        expect("{");
        Integer id = null;
        int idBits = 0;
        List<Declaration> context = null;
        int contextLine = 0;
        while (!peek("}")) {
            int line = line();
            String key = take();
            if (key.equals("event") || key.equals("packet")) {
                expect(".");
                String which = take();
                expect(":=");
                List<Declaration> declarations = struct();
                expect(";");
                if (key.equals("event") && which.equals("header")) {
                    idBits = declarations.isEmpty() || declarations.get(0).type.size != 32 ? 16 : 32;
                    checkSlots("stream.event.header", declarations, EventHeaderDescriptor.slots(idBits), line);
                } else if (key.equals("packet") && which.equals("context")) {
                    context = declarations;
                    contextLine = line;
                } else {
                    throw error(key + "." + which, "event.header or packet.context");
                }
                continue;
            }
            expect("=");
            String value = take();
            expect(";");
            if (!key.equals("id")) {
                throw error(key, "id, event.header or packet.context");
            }
            id = (int) number(value, line);
        }
        expect("}");
        expect(";");
        require(
                id != null && idBits != 0 && context != null,
                blockLine,
                "a stream block lacks its id, event.header" + " or packet.context");
        List<Slot> standard = PacketContextDescriptor.SLOTS;
        require(context.size() >= standard.size(), contextLine, "stream.packet.context lacks standard fields");
        checkSlots("stream.packet.context", context.subList(0, standard.size()), standard, contextLine);
        StreamClass.Builder stream = StreamClass.builder(id).eventIdBits(idBits);
        for (Field field : fields(context.subList(standard.size(), context.size()))) {
            stream.contextField(field);
        }
        streamIds.add(id);
        return stream;
    }

    private void eventBlock(Map<Integer, List<EventClass>> events) {
        int blockLine = line();
        expect("{");
        String name = null;
        Long id = null;
        Long streamId = null;
        List<Field> fields = null;
        while (!peek("}")) {
            int line = line();
            String key = take();
            if (key.equals("fields")) {
                expect(":=");
                fields = fields(struct());
                expect(";");
                continue;
            }
            expect("=");
            String value = take();
            expect(";");
            switch (key) {
                case "name" -> name = isString(value) ? unquote(value) : value;
                case "id" -> id = number(value, line);
                case "stream_id" -> streamId = number(value, line);
                case "loglevel", "model.emf.uri" -> {}
                default -> throw error(key, "name, id, stream_id or fields");
            }
        }
        expect("}");
        expect(";");
        require(name != null && id != null && fields != null, blockLine, "an event block lacks its name, id or fields");
        int stream = streamId == null ? 0 : streamId.intValue();
        events.computeIfAbsent(stream, ArrayListFactory.INSTANCE).add(EventClass.of(id.intValue(), name, fields));
    }

    /** The Fields that {@code declarations} declare (a sequence and its length field making one BYTES). */
    private List<Field> fields(List<Declaration> declarations) {
        List<Field> fields = new ArrayList<>();
        for (int i = 0; i < declarations.size(); i++) {
            Declaration d = declarations.get(i);
            String shown = Tsdl.fromIdentifier(d.identifier);
            if (d.length != null) {
                Declaration before = i > 0 ? declarations.get(i - 1) : null;
                require(
                        before != null
                                && before.identifier.equals(d.length)
                                && fieldType(before) == FieldType.UINT32
                                && Tsdl.fromIdentifier(before.identifier).equals(shown + "_length")
                                && fieldType(d) == FieldType.UINT8,
                        d.line,
                        "sequence " + shown + " is not a uint8_t sequence whose uint32_t length field " + shown
                                + "_length comes right before it");
                fields.remove(fields.size() - 1);
                fields.add(Field.of(shown, FieldType.BYTES));
            } else if (d.type.kind.equals("enum")) {
                fields.add(Field.ofEnum(shown, d.type.labels));
            } else {
                fields.add(Field.of(shown, fieldType(d)));
            }
        }
        return fields;
    }

    private FieldType fieldType(Declaration d) {
        Type t = d.type;
        if (t.alias != null) {
            for (FieldType type : FieldType.values()) {
                if (t.alias.equals(type.alias())) {
                    return type;
                }
            }
        }
        switch (t.kind) {
            case "string" -> {
                return FieldType.STRING;
            }
            case "floating_point" -> {
                return t.mantissa == 24 ? FieldType.FLOAT : FieldType.DOUBLE;
            }
            case "integer" -> {
                for (FieldType type : FieldType.values()) {
                    if (type.ordinal() <= FieldType.UINT64.ordinal()
                            && type.size() * 8 == t.size
                            && type.signed() == t.signed) {
                        return type;
                    }
                }
            }
            default -> {}
        }
        throw new IllegalArgumentException(
                "metadata line " + d.line + ": field " + d.identifier + " has a type this reader does not know");
    }

    /** Checks that {@code declarations} are exactly {@code slots}: names, types, array lengths. */
    private void checkSlots(String what, List<Declaration> declarations, List<Slot> slots, int line) {
        boolean same = declarations.size() == slots.size();
        for (int i = 0; same && i < slots.size(); i++) {
            Declaration d = declarations.get(i);
            Slot s = slots.get(i);
            same = d.identifier.equals(s.name)
                    && s.type.equals(d.type.alias)
                    && (s.count == 1
                            ? d.length == null
                            : String.valueOf(s.count).equals(d.length));
        }
        require(same, line, what + " is not the one tracepoint4j-ctf writes (" + slots + ")");
    }

    /** {@code struct { declaration... }}, the keyword included. */
    private List<Declaration> struct() {
        expect("struct");
        expect("{");
        List<Declaration> declarations = new ArrayList<>();
        while (!peek("}")) {
            Declaration d = new Declaration();
            d.line = line();
            d.type = typeSpecifier();
            d.identifier = identifier();
            if (peek("[")) {
                take();
                d.length = take();
                expect("]");
            }
            expect(";");
            declarations.add(d);
        }
        expect("}");
        return declarations;
    }

    private Type typeSpecifier() {
        int line = line();
        String word = take();
        switch (word) {
            case "integer", "floating_point", "string" -> {
                Type type = new Type();
                type.kind = word;
                if (peek("{")) {
                    attributes(type);
                }
                return type;
            }
            case "enum" -> {
                expect(":");
                Type container = typeSpecifier();
                require(container.kind.equals("integer"), line, "an enumeration over a type that is not an integer");
                Type type = new Type();
                type.kind = "enum";
                type.size = container.size;
                type.signed = container.signed;
                type.labels = labels(line);
                return type;
            }
            default -> {
                Type alias = aliases.get(word);
                if (alias == null) {
                    throw error(word, "a type (integer, floating_point, string, enum or a typealias name)");
                }
                return alias;
            }
        }
    }

    private void attributes(Type type) {
        expect("{");
        while (!peek("}")) {
            int line = line();
            String key = identifier();
            expect("=");
            StringBuilder value = new StringBuilder(take());
            while (peek(".")) {
                value.append(take()).append(take());
            }
            expect(";");
            String v = value.toString();
            switch (key) {
                case "size" -> type.size = (int) number(v, line);
                case "signed" -> type.signed = v.equalsIgnoreCase("true") || v.equals("1");
                case "mant_dig" -> type.mantissa = (int) number(v, line);
                case "map" -> type.mappedClock = v;
                case "align" ->
                    require(v.equals("8"), line, "align = " + v + " (this reader reads byte-aligned fields)");
                case "byte_order" -> require(v.equals("le") || v.equals("native"), line, "byte_order " + v);
                case "exp_dig", "encoding", "base" -> {}
                default -> throw error(key, "a type attribute");
            }
        }
        expect("}");
    }

    /**
     * An enumeration's labels, values 0, 1, 2, ... in order; a label of value -1, a null enum's
     * ("(null)", MetadataText), is left out: the reader shows -1 as "(null)" whatever the metadata says.
     */
    private List<String> labels(int line) {
        expect("{");
        List<String> labels = new ArrayList<>();
        while (!peek("}")) {
            String label = take();
            label = isString(label) ? unquote(label) : label;
            long value = labels.size();
            if (peek("=")) {
                take();
                value = number(take(), line());
            }
            if (value == -1) {
                if (peek(",")) {
                    take();
                }
                continue;
            }
            require(
                    value == labels.size(),
                    line,
                    "enumeration label " + label + " has value " + value + ", not " + labels.size()
                            + " (this reader reads labels of values 0, 1, 2, ...)");
            labels.add(label);
            if (peek(",")) {
                take();
            }
        }
        expect("}");
        return labels;
    }

    // --- tokens -----------------------------------------------------------------------------------

    private void tokenize(String text) {
        int line = 1;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (text.startsWith("/*", i)) {
                int end = text.indexOf("*/", i + 2);
                require(end >= 0, line, "a comment is not closed");
                for (int k = i; k < end; k++) {
                    line += text.charAt(k) == '\n' ? 1 : 0;
                }
                i = end + 2;
            } else if (text.startsWith("//", i)) {
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"') {
                int start = i++;
                while (i < n && text.charAt(i) != '"') {
                    require(text.charAt(i) != '\n', line, "a string literal is not closed on its line");
                    i += text.charAt(i) == '\\' ? 2 : 1;
                }
                require(i < n, line, "a string literal is not closed");
                add(text.substring(start, ++i), line);
            } else if (text.startsWith(":=", i)) {
                add(":=", line);
                i += 2;
            } else if ("{}[];=,:.".indexOf(c) >= 0) {
                add(String.valueOf(c), line);
                i++;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '+') {
                int start = i++;
                while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
                    i++;
                }
                add(text.substring(start, i), line);
            } else {
                throw new IllegalArgumentException("metadata line " + line + ": unexpected character '" + c + "'");
            }
        }
    }

    private void add(String token, int line) {
        tokens.add(token);
        lines.add(line);
    }

    private String take() {
        if (next >= tokens.size()) {
            throw new IllegalArgumentException("metadata ends in the middle of a block");
        }
        return tokens.get(next++);
    }

    private boolean peek(String token) {
        return next < tokens.size() && tokens.get(next).equals(token);
    }

    private void expect(String token) {
        int line = line();
        String got = take();
        if (!got.equals(token)) {
            throw new IllegalArgumentException("metadata line " + line + ": expected " + token + ", found " + got);
        }
    }

    private String identifier() {
        int line = line();
        String token = take();
        require(Tsdl.isIdentifier(token), line, "expected a name, found " + token);
        return token;
    }

    private int line() {
        return next < lines.size() ? lines.get(next) : lines.isEmpty() ? 1 : lines.get(lines.size() - 1);
    }

    private IllegalArgumentException error(String found, String expected) {
        return new IllegalArgumentException("metadata line " + lines.get(Math.max(0, next - 1)) + ": found " + found
                + " where " + expected + " was expected (this reader reads the metadata tracepoint4j-ctf writes)");
    }

    private static void require(boolean condition, int line, String what) {
        if (!condition) {
            throw new IllegalArgumentException("metadata line " + line + ": " + what);
        }
    }

    private static boolean isString(String token) {
        return token.startsWith("\"");
    }

    private static long number(String token, int line) {
        try {
            if (token.startsWith("0x") || token.startsWith("0X")) {
                return Long.parseUnsignedLong(token.substring(2), 16);
            }
            return Long.parseLong(token.startsWith("+") ? token.substring(1) : token);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata line " + line + ": " + token + " is not an integer", e);
        }
    }

    private static UUID uuid(String token, int line) {
        try {
            return UUID.fromString(unquote(token));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("metadata line " + line + ": " + token + " is not a UUID", e);
        }
    }

    /** The text of a string literal: quotes off, escapes ({@code \\ \" \n \t \r}, octal) decoded. */
    static String unquote(String literal) {
        StringBuilder out = new StringBuilder(literal.length());
        for (int i = 1; i < literal.length() - 1; i++) {
            char c = literal.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = literal.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'v' -> out.append('\u000b');
                default -> {
                    if (e >= '0' && e <= '7') {
                        int value = 0;
                        int digits = 0;
                        while (digits < 3
                                && i < literal.length() - 1
                                && literal.charAt(i) >= '0'
                                && literal.charAt(i) <= '7') {
                            value = value * 8 + (literal.charAt(i++) - '0');
                            digits++;
                        }
                        i--;
                        out.append((char) value);
                    } else {
                        out.append(e); // \\ \" \' \?
                    }
                }
            }
        }
        return out.toString();
    }

    /** A new list for a map's missing key, written out rather than as a lambda (no invokedynamic). */
    private static final class ArrayListFactory implements java.util.function.Function<Integer, List<EventClass>> {
        static final ArrayListFactory INSTANCE = new ArrayListFactory();

        @Override
        public List<EventClass> apply(Integer key) {
            return new ArrayList<>();
        }
    }
}
