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
     * Writes an {@link FieldType#ENUM}: the constant's ordinal, or -1 for null (which the
     * metadata labels {@code "(null)"}, as babeltrace2 and {@link CtfReader} show it).
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
        return sizeFrom(value == null ? NULL_STRING : value, 0);
    }

    /** The UTF-8 bytes of {@code s}'s characters from index {@code from} on, plus the NUL. */
    private static long sizeFrom(String s, int from) {
        int n = s.length();
        long size = n - from + 1L;
        for (int i = from; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                int width = width(s, i, c);
                if (width == 4) {
                    size += 2; // 4 bytes for the two chars of the pair
                    i++;
                } else {
                    size += width - 1;
                }
            }
        }
        return size;
    }

    /**
     * The UTF-8 bytes of the character {@code c} at index {@code i} of {@code s}: 4 for a surrogate
     * pair (two chars), 1 for an unpaired surrogate (written as {@code '?'}).
     */
    private static int width(String s, int i, char c) {
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        if (!Character.isSurrogate(c)) {
            return 3;
        }
        return Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)) ? 4 : 1;
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
        // putString cuts at the last character boundary at or below room - MIN_ROOM (see putUtf8)
        String s = value == null ? NULL_STRING : value;
        long boundary = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            int width = width(s, i, s.charAt(i));
            if (boundary + width > room - MIN_ROOM) {
                break;
            }
            boundary += width;
            if (width == 4) {
                i++;
            }
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
        if (s.length() < end - offset) { // room for one byte per character and the NUL
            long ascii = putAscii(packet, offset, s);
            if (ascii >= 0) {
                return ascii;
            }
        }
        return putUtf8(packet, offset, end, s);
    }

    /**
     * The general path of putString, for any string: one character at a time. Characters that end
     * at or before {@code end - MIN_ROOM} are written either way; at the first that ends past it,
     * the size of the rest decides: it is written whole if it fits with the NUL, else the mark goes
     * there. So a truncated string writes nothing past its size, which is stringSize's: a record
     * reserved with that size has no byte written outside it. Apart from putString (and
     * bytecode-heavy), so that C2 inlines the fast path.
     */
    private static long putUtf8(MemorySegment packet, long offset, long end, String s) {
        long markAt = end - MIN_ROOM; // the latest place for the mark
        boolean restFits = false;
        long at = offset;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            int width = width(s, i, c);
            if (!restFits && at + width > markAt) {
                if (at + sizeFrom(s, i) > end) {
                    return putMark(packet, offset, at, end);
                }
                restFits = true;
            }
            switch (width) {
                case 1 -> // a NUL would end the string early; an unpaired surrogate has no encoding
                    packet.set(BYTE, at, c == 0 || c >= 0x80 ? (byte) '?' : (byte) c);
                case 2 -> {
                    packet.set(BYTE, at, (byte) (0xC0 | (c >> 6)));
                    packet.set(BYTE, at + 1, (byte) (0x80 | (c & 0x3F)));
                }
                case 3 -> {
                    packet.set(BYTE, at, (byte) (0xE0 | (c >> 12)));
                    packet.set(BYTE, at + 1, (byte) (0x80 | ((c >> 6) & 0x3F)));
                    packet.set(BYTE, at + 2, (byte) (0x80 | (c & 0x3F)));
                }
                default -> {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    packet.set(BYTE, at, (byte) (0xF0 | (cp >> 18)));
                    packet.set(BYTE, at + 1, (byte) (0x80 | ((cp >> 12) & 0x3F)));
                    packet.set(BYTE, at + 2, (byte) (0x80 | ((cp >> 6) & 0x3F)));
                    packet.set(BYTE, at + 3, (byte) (0x80 | (cp & 0x3F)));
                }
            }
            at += width;
        }
        packet.set(BYTE, at, (byte) 0);
        return at + 1;
    }

    /**
     * The fast path of putString: {@code s} as ASCII (its characters as bytes, then the NUL), in
     * exactly {@code s.length() + 1} bytes from {@code offset}, which the caller has checked are
     * there. Returns -1 if a character is not ASCII or is a NUL, which the general path writes
     * differently; putUtf8 then overwrites what was written here, in the same room. Only the
     * ASCII characters before the first other one are written: a string that is truncated
     * (stringSize(s, room) below the room) may own no byte past them, since its writer reserved
     * only that size; those before it it does own (they fit before the mark, or fill the room).
     *
     * <p>Two shapes, chosen by length and measured (StringEncodingBench): a string shorter than a
     * word is gathered into one {@code long} and stored in at most three stores; a longer one is
     * stored a byte at a time in a counted loop, which C2 unrolls. Gathering every eight characters
     * into a word costs more per character than the unrolled byte stores (the shifts form one chain
     * per word): 33.5 ns against 18.4 for 24 characters. Kept under C2's inlining limit (325 bytes of
     * bytecode for a hot method), as putString is.
     */
    private static long putAscii(MemorySegment packet, long offset, String s) {
        int n = s.length();
        if (n < Long.BYTES) {
            int seen = 0; // c | (c - 1) of every character: bits above 0x7F set by a NUL or a non-ASCII one
            long word = 0;
            for (int k = 0; k < n; k++) {
                char c = s.charAt(k);
                seen |= c | (c - 1);
                word |= (long) c << (k << 3);
            }
            return (seen & ~0x7F) != 0 ? -1 : putLowBytes(packet, offset, word, n + 1); // the NUL: word's next byte
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == 0 || c >= 0x80) {
                return -1; // before its byte: a truncated string's size may end here (see the doc)
            }
            packet.set(BYTE, offset + i, (byte) c);
        }
        packet.set(BYTE, offset + n, (byte) 0);
        return offset + n + 1;
    }

    /** The low {@code bytes} (1 to 8) bytes of {@code word} at {@code offset}, in at most three stores. */
    private static long putLowBytes(MemorySegment packet, long offset, long word, int bytes) {
        if (bytes == Long.BYTES) {
            packet.set(LONG, offset, word);
            return offset + Long.BYTES;
        }
        long at = offset;
        long rest = word;
        if ((bytes & 4) != 0) {
            packet.set(INT, at, (int) rest);
            at += 4;
            rest >>>= 32;
        }
        if ((bytes & 2) != 0) {
            packet.set(SHORT, at, (short) rest);
            at += 2;
            rest >>>= 16;
        }
        if ((bytes & 1) != 0) {
            packet.set(BYTE, at, (byte) rest);
            at += 1;
        }
        return at;
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

    /** The mark and the NUL at {@code at}, where the string is cut (at most {@code end - MIN_ROOM}). */
    private static long putMark(MemorySegment packet, long offset, long at, long end) {
        if (end - offset < MIN_ROOM) {
            throw tooLittleRoom("string that does not fit", end - offset);
        }
        packet.set(BYTE, at, MARK_0);
        packet.set(BYTE, at + 1, MARK_1);
        packet.set(BYTE, at + 2, MARK_2);
        packet.set(BYTE, at + 3, (byte) 0);
        return at + MIN_ROOM;
    }

    private static IllegalArgumentException tooLittleRoom(String what, long room) {
        return new IllegalArgumentException("a " + what + " was given " + room + " bytes of room; give it at least "
                + MIN_ROOM + " (EventEncoder.MIN_ROOM), or its whole size (stringSize, bytesSize)");
    }
}
