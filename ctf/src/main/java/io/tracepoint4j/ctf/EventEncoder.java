package io.tracepoint4j.ctf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Writes event records into a packet: an event header, then the payload fields in their event
 * class's order, each with the put method of its {@link FieldType}. Every method takes the segment
 * and the offset to write at, and returns the offset after what it wrote, so a record is written as
 * a chain:
 *
 * <pre>{@code
 * long pathSize = EventEncoder.stringSize(path);
 * long at = ...; // reserve layout.eventHeaderSize() + 4 + pathSize + 8 bytes in the packet
 * at = EventEncoder.eventHeader(packet, at, layout, REQUEST_ID, System.nanoTime());
 * at = EventEncoder.putInt(packet, at, status);
 * at = EventEncoder.putString(packet, at, at + pathSize, path); // the string's own room
 * at = EventEncoder.putLong(packet, at, nanos);
 * }</pre>
 *
 * <p>Nothing here allocates, boxes or copies a String: strings are encoded to UTF-8 character by
 * character straight into the segment. Values are little-endian, unaligned, with no padding, as the
 * metadata declares them. Signed and unsigned integers of one width share a method (the bits are
 * the same). Bounds are the segment's own: writing past its end throws {@link
 * IndexOutOfBoundsException}, as a {@link MemorySegment} does.
 *
 * <p>Strings and byte arrays have a variable size, which {@link #stringSize} and {@link #bytesSize}
 * tell, so a writer can reserve exactly that room. Given less room (an {@code end} before what they
 * need), they are truncated, visibly: a string is cut at a character boundary and ends with {@value
 * #TRUNCATION_MARK} (so it shows as e.g. {@code "a long messa…"}), a byte array's length is cut. The
 * caller can tell beforehand: a value is truncated exactly when its size is above the room ({@code
 * stringSize(s) > end - offset}), and it returns the end the value took, below {@code offset +
 * stringSize(s)} when it was truncated.
 */
public final class EventEncoder {
    /** The end of a truncated string: U+2026 HORIZONTAL ELLIPSIS, 3 bytes of UTF-8. */
    public static final String TRUNCATION_MARK = "\u2026";

    /**
     * The least room a string or byte array may be given when it does not fit: the truncation mark
     * and the terminating NUL, or the 4-byte length of an array.
     */
    public static final int MIN_ROOM = 4;

    /** What a null String is written as, like the kernel's printk does. */
    static final String NULL_STRING = "(null)";

    static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfChar CHAR = ValueLayout.JAVA_CHAR_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The truncation mark's UTF-8 bytes, then the NUL. */
    private static final byte MARK_0 = (byte) 0xE2;

    private static final byte MARK_1 = (byte) 0x80;
    private static final byte MARK_2 = (byte) 0xA6;

    private EventEncoder() {}

    /**
     * Writes an event header: the event class's id (16 or 32 bits, as {@code layout}'s stream class
     * says) and the timestamp.
     *
     * @param id the event class's id in the stream class
     * @param timestamp the full 64-bit clock value, 0 or more; the events of a stream must not go back
     *     in time
     */
    public static long eventHeader(MemorySegment packet, long offset, PacketLayout layout, int id, long timestamp) {
        if (layout.eventIdBits() == 16) {
            assert (id & 0xFFFF) == id : "event id " + id + " does not fit 16 bits";
            packet.set(SHORT, offset + EventHeaderDescriptor.ID_OFFSET, (short) id);
            packet.set(LONG, offset + EventHeaderDescriptor.TIMESTAMP_OFFSET_ID16, timestamp);
            return offset + EventHeaderDescriptor.SIZE_ID16;
        }
        packet.set(INT, offset + EventHeaderDescriptor.ID_OFFSET, id);
        packet.set(LONG, offset + EventHeaderDescriptor.TIMESTAMP_OFFSET_ID32, timestamp);
        return offset + EventHeaderDescriptor.SIZE_ID32;
    }

    /** Writes an {@link FieldType#INT8} or {@link FieldType#UINT8}. */
    public static long putByte(MemorySegment packet, long offset, byte value) {
        packet.set(BYTE, offset, value);
        return offset + 1;
    }

    /** Writes an {@link FieldType#INT16} or {@link FieldType#UINT16}. */
    public static long putShort(MemorySegment packet, long offset, short value) {
        packet.set(SHORT, offset, value);
        return offset + 2;
    }

    /** Writes an {@link FieldType#INT32} or {@link FieldType#UINT32}. */
    public static long putInt(MemorySegment packet, long offset, int value) {
        packet.set(INT, offset, value);
        return offset + 4;
    }

    /** Writes an {@link FieldType#INT64} or {@link FieldType#UINT64}. */
    public static long putLong(MemorySegment packet, long offset, long value) {
        packet.set(LONG, offset, value);
        return offset + 8;
    }

    /** Writes a {@link FieldType#FLOAT}. */
    public static long putFloat(MemorySegment packet, long offset, float value) {
        packet.set(FLOAT, offset, value);
        return offset + 4;
    }

    /** Writes a {@link FieldType#DOUBLE}. */
    public static long putDouble(MemorySegment packet, long offset, double value) {
        packet.set(DOUBLE, offset, value);
        return offset + 8;
    }

    /** Writes a {@link FieldType#BOOLEAN}: 1 for true, 0 for false. */
    public static long putBoolean(MemorySegment packet, long offset, boolean value) {
        packet.set(BYTE, offset, value ? (byte) 1 : (byte) 0);
        return offset + 1;
    }

    /** Writes a {@link FieldType#CHAR}. */
    public static long putChar(MemorySegment packet, long offset, char value) {
        packet.set(CHAR, offset, value);
        return offset + 2;
    }

    /**
     * Writes an {@link FieldType#ENUM}: the constant's ordinal, or -1 for null (which babeltrace2
     * shows as an unknown label, and {@link CtfReader} as the Integer -1).
     */
    public static long putEnum(MemorySegment packet, long offset, Enum<?> value) {
        packet.set(INT, offset, value == null ? -1 : value.ordinal());
        return offset + 4;
    }

    /**
     * The bytes {@link #putString} takes for {@code value} when it has room: its UTF-8 encoding (an
     * unpaired surrogate or a NUL counting as the one byte of {@code '?'}) plus the terminating NUL. A
     * null String is written as {@code "(null)"}.
     */
    public static long stringSize(String value) {
        String s = value == null ? NULL_STRING : value;
        int n = s.length();
        long size = n + 1L;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                size += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                size += 2; // 4 bytes for the two chars of the pair
                i++;
            } else if (!Character.isSurrogate(c)) {
                size += 2;
            } // an unpaired surrogate: '?', one byte
        }
        return size;
    }

    /**
     * The bytes {@link #putString} takes for {@code value} given {@code room} bytes: {@link
     * #stringSize(String)} when that fits, else the size of the truncated string (the characters
     * that fit before the mark, the mark and the NUL), at most {@code room}. A writer that reserves
     * this many bytes gets them filled exactly. Allocates nothing.
     *
     * @throws IllegalArgumentException if the string does not fit and {@code room} is below {@value
     *     #MIN_ROOM}
     */
    public static long stringSize(String value, long room) {
        long full = stringSize(value);
        if (full <= room) {
            return full;
        }
        if (room < MIN_ROOM) {
            throw tooLittleRoom("string that does not fit", room);
        }
        // putString cuts at the last character boundary at or below room - MIN_ROOM (see truncated)
        String s = value == null ? NULL_STRING : value;
        long boundary = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            int width;
            if (c < 0x80) {
                width = 1;
            } else if (c < 0x800) {
                width = 2;
            } else if (!Character.isSurrogate(c)) {
                width = 3;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                width = 4;
                i++;
            } else {
                width = 1; // an unpaired surrogate: '?'
            }
            if (boundary + width > room - MIN_ROOM) {
                break;
            }
            boundary += width;
        }
        return boundary + MIN_ROOM;
    }

    /**
     * Writes a {@link FieldType#STRING}: {@code value} as UTF-8 and a terminating NUL, in {@code
     * [offset, end)}. A surrogate pair becomes one 4-byte character; an unpaired surrogate becomes
     * {@code '?'}, and so does a NUL character (which would end the string early); a null String is
     * written as {@code "(null)"}.
     *
     * <p>When the string needs more than {@code end - offset} bytes ({@link #stringSize}), it is
     * truncated: the characters that fit with the mark before {@code end} are written, then {@link
     * #TRUNCATION_MARK} and the NUL. Then the result lies below {@code offset + stringSize(value)}.
     *
     * @param end the end of the string's own room (before the fields that follow it); at least
     *     {@code offset + } {@value #MIN_ROOM} unless the whole string fits
     * @return the offset after the NUL
     * @throws IllegalArgumentException if the string does not fit and the room is below {@value
     *     #MIN_ROOM} bytes (too small for the mark)
     */
    public static long putString(MemorySegment packet, long offset, long end, String value) {
        String s = value == null ? NULL_STRING : value;
        long at = offset;
        long limit = end - 1; // the NUL's place
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (at >= limit) {
                    return truncated(packet, offset, at, end);
                }
                packet.set(BYTE, at++, c == 0 ? (byte) '?' : (byte) c); // a NUL would end the string
            } else if (c < 0x800) {
                if (at + 2 > limit) {
                    return truncated(packet, offset, at, end);
                }
                packet.set(BYTE, at++, (byte) (0xC0 | (c >> 6)));
                packet.set(BYTE, at++, (byte) (0x80 | (c & 0x3F)));
            } else if (!Character.isSurrogate(c)) {
                if (at + 3 > limit) {
                    return truncated(packet, offset, at, end);
                }
                packet.set(BYTE, at++, (byte) (0xE0 | (c >> 12)));
                packet.set(BYTE, at++, (byte) (0x80 | ((c >> 6) & 0x3F)));
                packet.set(BYTE, at++, (byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                if (at + 4 > limit) {
                    return truncated(packet, offset, at, end);
                }
                int cp = Character.toCodePoint(c, s.charAt(++i));
                packet.set(BYTE, at++, (byte) (0xF0 | (cp >> 18)));
                packet.set(BYTE, at++, (byte) (0x80 | ((cp >> 12) & 0x3F)));
                packet.set(BYTE, at++, (byte) (0x80 | ((cp >> 6) & 0x3F)));
                packet.set(BYTE, at++, (byte) (0x80 | (cp & 0x3F)));
            } else { // an unpaired surrogate
                if (at >= limit) {
                    return truncated(packet, offset, at, end);
                }
                packet.set(BYTE, at++, (byte) '?');
            }
        }
        packet.set(BYTE, at, (byte) 0);
        return at + 1;
    }

    /**
     * The bytes {@link #putBytes} takes for {@code value} when it has room: the 4-byte length and the
     * bytes. A null array is written as an empty one.
     */
    public static long bytesSize(byte[] value) {
        return 4L + (value == null ? 0 : value.length);
    }

    /**
     * Writes a {@link FieldType#BYTES}: the length as a 32-bit integer, then the bytes, in {@code
     * [offset, end)}. A null array is written as an empty one. When the array needs more than {@code
     * end - offset} bytes ({@link #bytesSize}), only the bytes that fit are written, with that length.
     *
     * @param end the end of the array's own room (before the fields that follow it); at least
     *     {@code offset +} {@value #MIN_ROOM}
     * @return the offset after the last byte
     * @throws IllegalArgumentException if the room is below {@value #MIN_ROOM} bytes
     */
    public static long putBytes(MemorySegment packet, long offset, long end, byte[] value) {
        long room = end - offset;
        if (room < MIN_ROOM) {
            throw tooLittleRoom("byte array", room);
        }
        int length = value == null ? 0 : (int) Math.min(value.length, room - 4);
        packet.set(INT, offset, length);
        if (length > 0) {
            MemorySegment.copy(value, 0, packet, BYTE, offset + 4, length);
        }
        return offset + 4 + length;
    }

    /**
     * Ends a string that did not fit: steps back over whole characters from {@code at} (the end of
     * what was written) until the mark and the NUL fit before {@code end}, and writes them there.
     */
    private static long truncated(MemorySegment packet, long offset, long at, long end) {
        if (end - offset < MIN_ROOM) {
            throw tooLittleRoom("string that does not fit", end - offset);
        }
        long cut = at;
        while (cut > end - MIN_ROOM) {
            cut--; // into the last character; back to its first byte
            while (cut > offset && (packet.get(BYTE, cut) & 0xC0) == 0x80) {
                cut--;
            }
        }
        packet.set(BYTE, cut, MARK_0);
        packet.set(BYTE, cut + 1, MARK_1);
        packet.set(BYTE, cut + 2, MARK_2);
        packet.set(BYTE, cut + 3, (byte) 0);
        return cut + MIN_ROOM;
    }

    private static IllegalArgumentException tooLittleRoom(String what, long room) {
        return new IllegalArgumentException("a " + what + " was given " + room + " bytes of room; give it at least "
                + MIN_ROOM + " (EventEncoder.MIN_ROOM), or its whole size (stringSize, bytesSize)");
    }
}
