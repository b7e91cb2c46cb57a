package io.tracepoint4j.ctf;

/**
 * The type of a field of an event class (its payload) or of a stream class's packet context, and how
 * it is laid out in a stream file. Every value is little-endian and byte-aligned: a field starts
 * right after the one before it, with no padding.
 *
 * <p>What babeltrace2 prints and what {@link CtfReader} returns for each type are listed with the
 * constants. {@link EventEncoder} writes them.
 */
public enum FieldType {
    /** A signed 8-bit integer ({@code byte}); read back as an {@code Integer}. */
    INT8(1, "int8_t"),
    /** An unsigned 8-bit integer; read back as an {@code Integer} (0 to 255). */
    UINT8(1, "uint8_t"),
    /** A signed 16-bit integer ({@code short}); read back as an {@code Integer}. */
    INT16(2, "int16_t"),
    /** An unsigned 16-bit integer; read back as an {@code Integer} (0 to 65535). */
    UINT16(2, "uint16_t"),
    /** A signed 32-bit integer ({@code int}); read back as an {@code Integer}. */
    INT32(4, "int32_t"),
    /** An unsigned 32-bit integer; read back as a {@code Long} (0 to 2<sup>32</sup> - 1). */
    UINT32(4, "uint32_t"),
    /** A signed 64-bit integer ({@code long}); read back as a {@code Long}. */
    INT64(8, "int64_t"),
    /**
     * An unsigned 64-bit integer; read back as a {@code Long} holding the same 64 bits (use {@link
     * Long#toUnsignedString(long)} to print it).
     */
    UINT64(8, "uint64_t"),
    /** An IEEE 754 binary32 ({@code float}); read back as a {@code Float}. */
    FLOAT(4, "float32_t"),
    /** An IEEE 754 binary64 ({@code double}); read back as a {@code Double}. */
    DOUBLE(8, "float64_t"),
    /**
     * A {@code boolean}, as an unsigned 8-bit integer 0 or 1 (babeltrace2 prints the number); read back
     * as a {@code Boolean}.
     */
    BOOLEAN(1, "boolean_t"),
    /**
     * A {@code char} (one UTF-16 code unit), as an unsigned 16-bit integer (babeltrace2 prints the
     * number); read back as a {@code Character}.
     */
    CHAR(2, "char16_t"),
    /**
     * A {@code String}, as null-terminated UTF-8; read back as a {@code String}. Variable size: see
     * {@link EventEncoder#stringSize(String)}.
     */
    STRING(-1, "string_t"),
    /**
     * A {@code byte[]}, as a CTF sequence: an unsigned 32-bit length field named {@code <name>_length},
     * then that many unsigned bytes (babeltrace2 prints both); read back as a {@code byte[]}. Variable
     * size: see {@link EventEncoder#bytesSize(byte[])}.
     */
    BYTES(-1, null),
    /**
     * A Java enum constant, as a CTF enumeration over a signed 32-bit integer holding the ordinal, with
     * one label per constant (babeltrace2 prints the label and the number); read back as the label, a
     * {@code String}. Made by {@link Field#ofEnum(String, java.util.List)}, which takes the labels.
     */
    ENUM(4, null);

    private final int size;
    private final String alias;

    FieldType(int size, String alias) {
        this.size = size;
        this.alias = alias;
    }

    /** The size of a value in bytes, or -1 for the variable-size {@link #STRING} and {@link #BYTES}. */
    public int size() {
        return size;
    }

    /**
     * Whether a value is an integer of at most 64 bits that {@link PacketFields#context(int, long)} can
     * set: the eight integer types, {@link #BOOLEAN} and {@link #CHAR}. Only these may be packet
     * context fields.
     */
    public boolean isInteger() {
        return ordinal() <= UINT64.ordinal() || this == BOOLEAN || this == CHAR;
    }

    /** Whether the integer type is signed; false for every type that is not an integer. */
    boolean signed() {
        return this == INT8 || this == INT16 || this == INT32 || this == INT64;
    }

    /**
     * The name of the TSDL {@code typealias} the metadata declares for this type, or null for
     * {@link #BYTES} and {@link #ENUM}, which are declared where they are used.
     */
    String alias() {
        return alias;
    }
}
