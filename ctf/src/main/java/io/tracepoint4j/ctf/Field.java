package io.tracepoint4j.ctf;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A named, typed field of an event class's payload or of a stream class's packet context. Immutable.
 *
 * <p>Names. Any non-empty name is accepted. A trace shows it (in babeltrace2 and in {@link
 * CtfReader}) with every character outside {@code [A-Za-z0-9_]} replaced by {@code _}: {@code
 * "naïve-name"} is shown as {@code na_ve_name}, while keywords ({@code align}), names beginning with a
 * digit or an underscore are shown unchanged (the metadata escapes them). Two fields of one
 * structure must not be shown under the same name, nor as the {@code <name>_length} field that a
 * {@link FieldType#BYTES} field brings along; {@link EventClass} and {@link StreamClass} check it.
 */
public final class Field {
    private final String name;
    private final String shownName;
    private final FieldType type;
    private final List<String> labels;

    private Field(String name, FieldType type, List<String> labels) {
        this.name = name;
        this.shownName = Tsdl.shownName(name);
        this.type = type;
        this.labels = labels;
    }

    /**
     * A field of any type but {@link FieldType#ENUM} (which needs its labels: {@link #ofEnum(String,
     * List)}).
     *
     * @throws IllegalArgumentException if the name is empty or the type is {@code ENUM}
     */
    public static Field of(String name, FieldType type) {
        Objects.requireNonNull(type, "type");
        if (type == FieldType.ENUM) {
            throw new IllegalArgumentException("field " + Tsdl.quoteForMessage(name)
                    + ": an ENUM field needs its labels; use Field.ofEnum(name, labels)");
        }
        return new Field(checkName(name), type, List.of());
    }

    /**
     * An {@link FieldType#ENUM} field whose value {@code i} (a Java enum constant's ordinal) is shown
     * as {@code labels.get(i)}.
     *
     * @throws IllegalArgumentException if the name is empty, or the labels are none, repeated or
     *     contain a NUL character
     */
    public static Field ofEnum(String name, List<String> labels) {
        checkName(name);
        List<String> copy = List.copyOf(labels);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("enum field " + Tsdl.quoteForMessage(name)
                    + " has no labels; give one label per constant, in ordinal order");
        }
        Set<String> seen = new HashSet<>();
        for (String label : copy) {
            Tsdl.literal(label); // refuses a NUL
            if (!seen.add(label)) {
                throw new IllegalArgumentException("enum field " + Tsdl.quoteForMessage(name) + " repeats label "
                        + Tsdl.quoteForMessage(label) + "; give each constant its own label");
            }
        }
        return new Field(name, FieldType.ENUM, copy);
    }

    /**
     * An {@link FieldType#ENUM} field labelled with the names of {@code enumClass}'s constants, in
     * ordinal order.
     */
    public static Field ofEnum(String name, Class<? extends Enum<?>> enumClass) {
        Enum<?>[] constants = enumClass.getEnumConstants();
        if (constants == null) {
            throw new IllegalArgumentException(enumClass + " is not an enum class");
        }
        List<String> labels = new ArrayList<>(constants.length);
        for (Enum<?> constant : constants) {
            labels.add(constant.name());
        }
        return ofEnum(name, labels);
    }

    /** The name as given. */
    public String name() {
        return name;
    }

    /** The type. */
    public FieldType type() {
        return type;
    }

    /** The labels of an {@link FieldType#ENUM} field, in value order; empty for other types. */
    public List<String> labels() {
        return labels;
    }

    /** The name babeltrace2 and {@link CtfReader} show (see the class comment). */
    String shownName() {
        return shownName;
    }

    /** The TSDL identifier this field is written as. */
    String identifier() {
        return Tsdl.identifier(shownName);
    }

    /** The shown name of the length field of a {@link FieldType#BYTES} field. */
    String lengthShownName() {
        return shownName + "_length";
    }

    /**
     * {@code fields}, each renamed, if need be, so that no two are shown under one name: a field
     * shown as an earlier one (or as an earlier {@code _length} companion, or whose own companion
     * would be) gets {@code _} appended to its name until it is shown alone. For a writer whose
     * field names come from elsewhere (a tracer naming fields after a tracepoint's arguments, beside
     * fields of its own): {@code tid} after a field {@code tid} becomes {@code tid_}. Fields that
     * need no new name are kept as they are, in their order.
     */
    public static List<Field> withUniqueNames(List<Field> fields) {
        List<Field> renamed = new ArrayList<>(fields.size());
        Set<String> shown = new HashSet<>();
        for (Field field : fields) {
            Field unique = field;
            while (!java.util.Collections.disjoint(shown, unique.namesShown())) {
                unique = new Field(unique.name + "_", unique.type, unique.labels);
            }
            shown.addAll(unique.namesShown());
            renamed.add(unique);
        }
        return renamed;
    }

    /** The names a trace shows this field under: its own, and its {@code _length} companion's if BYTES. */
    private List<String> namesShown() {
        return type == FieldType.BYTES ? List.of(shownName, lengthShownName()) : List.of(shownName);
    }

    /**
     * Checks that no two of {@code fields} are shown under one name (their {@code _length} companions
     * included).
     *
     * @param what the structure, for the message: "event class "x"", "stream class 0's packet context"
     */
    static List<Field> checkUnique(String what, List<Field> fields) {
        List<Field> copy = List.copyOf(fields);
        List<String> shown = new ArrayList<>();
        List<String> owners = new ArrayList<>();
        for (Field field : copy) {
            for (String name : field.namesShown()) {
                addShown(what, shown, owners, name, field);
            }
        }
        return copy;
    }

    private static void addShown(String what, List<String> shown, List<String> owners, String name, Field field) {
        int earlier = shown.indexOf(name);
        if (earlier >= 0) {
            throw new IllegalArgumentException(what + ": fields " + owners.get(earlier) + " and "
                    + Tsdl.quoteForMessage(field.name()) + " would both be shown as " + name
                    + " (a trace shows characters outside [A-Za-z0-9_] as '_', and a BYTES field"
                    + " brings a <name>_length field); rename one");
        }
        shown.add(name);
        owners.add(Tsdl.quoteForMessage(field.name()));
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a field name must not be empty");
        }
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Field other && name.equals(other.name) && type == other.type && labels.equals(other.labels);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + type.hashCode()) * 31 + labels.hashCode();
    }

    @Override
    public String toString() {
        return type == FieldType.ENUM ? name + ": ENUM" + labels : name + ": " + type;
    }
}
