package io.tracepoint4j.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.tracepoint4j.IndexedArgumentWriter;
import io.tracepoint4j.Tracepoint;
import java.util.List;

/**
 * A writer probe that turns a tracepoint's arguments into OpenTelemetry attributes named after
 * them, for the event, span start or span end its subclass builds. OpenTelemetry attributes are
 * strings, longs, doubles and booleans: the other types are mapped onto them once, here (integers
 * to long, float to double, char and enum to string, a {@code byte[]} to its length, -1 for null),
 * so each subclass handles four kinds. The cursor is the argument's index.
 *
 * <p>The subclass's builder lives in a one-slot holder per thread between {@code begin} and
 * {@code end}: the generated probe calls them in a row with no other code between, so a thread fills
 * one at a time.
 */
abstract class AttributeWriter extends IndexedArgumentWriter {
    /** The attribute key of each argument, made once. */
    private final AttributeKey<?>[] keys;

    AttributeWriter(Tracepoint<?> tracepoint) {
        List<Tracepoint.Argument> arguments = tracepoint.arguments();
        keys = new AttributeKey<?>[arguments.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = keyOf(arguments.get(i));
        }
    }

    /** The attribute an argument becomes. */
    static AttributeKey<?> keyOf(Tracepoint.Argument argument) {
        Class<?> type = argument.type();
        if (type == boolean.class) {
            return AttributeKey.booleanKey(argument.name());
        }
        if (type == float.class || type == double.class) {
            return AttributeKey.doubleKey(argument.name());
        }
        if (type == String.class || type == char.class || type.isEnum()) {
            return AttributeKey.stringKey(argument.name());
        }
        return AttributeKey.longKey(argument.name()); // byte, short, int, long; byte[]: its length
    }

    /**
     * Sets attribute {@code key} on what this thread fills (a builder, or the span that ends).
     * Generic, as OpenTelemetry's {@code setAttribute(AttributeKey<T>, T)} is: a long, double or
     * boolean is boxed here as that call would box it.
     */
    abstract <T> void put(AttributeKey<T> key, T value);

    @Override
    public final long writeBoolean(long cursor, boolean value) {
        put(this.<Boolean>key(cursor), value);
        return cursor + 1;
    }

    @Override
    public final long writeByte(long cursor, byte value) {
        return writeLong(cursor, value);
    }

    @Override
    public final long writeShort(long cursor, short value) {
        return writeLong(cursor, value);
    }

    @Override
    public final long writeChar(long cursor, char value) {
        return writeString(cursor, String.valueOf(value));
    }

    @Override
    public final long writeInt(long cursor, int value) {
        return writeLong(cursor, value);
    }

    @Override
    public final long writeLong(long cursor, long value) {
        put(this.<Long>key(cursor), value);
        return cursor + 1;
    }

    @Override
    public final long writeFloat(long cursor, float value) {
        return writeDouble(cursor, value);
    }

    @Override
    public final long writeDouble(long cursor, double value) {
        put(this.<Double>key(cursor), value);
        return cursor + 1;
    }

    @Override
    public final long writeString(long cursor, String value) {
        if (value != null) { // an attribute with no value is left out
            put(this.<String>key(cursor), value);
        }
        return cursor + 1;
    }

    @Override
    public final long writeBytes(long cursor, byte[] value) {
        return writeLong(cursor, value == null ? -1 : value.length);
    }

    @Override
    public final long writeEnum(long cursor, Enum<?> value) {
        return writeString(cursor, value == null ? null : value.name());
    }

    @SuppressWarnings("unchecked") // keyOf made the key of the argument's kind, which the caller is
    private <T> AttributeKey<T> key(long cursor) {
        return (AttributeKey<T>) keys[(int) cursor];
    }
}
