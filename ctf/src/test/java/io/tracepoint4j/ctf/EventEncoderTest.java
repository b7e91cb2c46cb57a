package io.tracepoint4j.ctf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * EventEncoder writes what the metadata declares: little-endian values, UTF-8 strings equal to the
 * JDK's encoding, sizes that match, visible truncation, and no allocation.
 */
class EventEncoderTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static long sink;

    /** A writer that reserves stringSize(s, room) bytes gets exactly that many written, truncated or not. */
    @Test
    void theSizeGivenARoomIsWhatPutStringWrites() {
        String[] strings = {
            "",
            "abc",
            "héllo wörld",
            "日本語のテキスト",
            "emoji \uD83D\uDE00\uD83D\uDE01 end",
            "unpaired \uD800 x",
            null,
            "a".repeat(100)
        };
        MemorySegment packet = MemorySegment.ofArray(new byte[512]);
        for (String s : strings) {
            for (long room = EventEncoder.MIN_ROOM; room <= 120; room++) {
                long size = EventEncoder.stringSize(s, room);
                assertThat(size).as("%s in %d", s, room).isLessThanOrEqualTo(room);
                assertThat(EventEncoder.putString(packet, 7, 7 + size, s))
                        .as("putString of %s in the %d bytes stringSize(s, %d) gave", s, size, room)
                        .isEqualTo(7 + size);
            }
        }
        assertThatThrownBy(() -> EventEncoder.stringSize("too long", 3)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * ASCII strings take putString's fast path (one word for a short string, a byte at a time for a
     * longer one), which must write what the general path writes: for every length across several
     * words, with a NUL or a
     * non-ASCII character at every position (the fast path gives up there and the general path
     * takes over) and every room, the bytes are the JDK's UTF-8 (or the truncated prefix and the
     * mark), and not one byte past offset + stringSize(s, room) changes: the writer reserved no more.
     */
    @Test
    void writesAsciiWordsExactlyAndNothingPastTheString() {
        String[] intruders = {"", "\0", "\u00e9", "\u20ac", "\ud800", "\ud83d\ude00"};
        MemorySegment s = MemorySegment.ofArray(new byte[128]);
        for (int length = 0; length <= 33; length++) {
            String ascii = "abcdefghijklmnopqrstuvwxyz0123456789".substring(0, length);
            for (String intruder : intruders) {
                for (int at = 0; at <= (intruder.isEmpty() ? 0 : length); at++) {
                    String value = ascii.substring(0, at) + intruder + ascii.substring(at);
                    byte[] jdk = value.replace('\0', '?').getBytes(StandardCharsets.UTF_8);
                    for (long room = EventEncoder.MIN_ROOM; room <= jdk.length + 3; room++) {
                        s.fill((byte) 0x55);
                        long size = EventEncoder.stringSize(value, room);
                        long end = EventEncoder.putString(s, 3, 3 + room, value);
                        assertThat(end).as("end of %s in %d bytes", value, room).isEqualTo(3 + size);
                        for (long b = 3 + size; b < s.byteSize(); b++) {
                            assertThat(s.get(ValueLayout.JAVA_BYTE, b))
                                    .as("byte %d after %s in %d bytes (size %d)", b - 3, value, room, size)
                                    .isEqualTo((byte) 0x55);
                        }
                        if (size == jdk.length + 1) {
                            assertThat(s.asSlice(3, jdk.length).toArray(ValueLayout.JAVA_BYTE))
                                    .as("bytes of %s", value)
                                    .isEqualTo(jdk);
                            assertThat(s.get(ValueLayout.JAVA_BYTE, 3 + jdk.length))
                                    .isZero();
                        } else {
                            String written = new String(
                                    s.asSlice(3, size - 1).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                            assertThat(written)
                                    .as("%s in %d bytes", value, room)
                                    .endsWith(EventEncoder.TRUNCATION_MARK);
                            assertThat(new String(jdk, StandardCharsets.UTF_8))
                                    .startsWith(written.substring(0, written.length() - 1));
                        }
                    }
                }
            }
        }
    }

    @Test
    void writesLittleEndianValuesAndReturnsTheNextOffset() {
        MemorySegment s = MemorySegment.ofArray(new byte[64]);
        long at = 3; // unaligned on purpose
        at = EventEncoder.putByte(s, at, (byte) 0x81);
        at = EventEncoder.putShort(s, at, (short) 0x0102);
        at = EventEncoder.putInt(s, at, 0x03040506);
        at = EventEncoder.putLong(s, at, 0x0708090A0B0C0D0EL);
        at = EventEncoder.putFloat(s, at, 1.5f);
        at = EventEncoder.putDouble(s, at, -2.0);
        at = EventEncoder.putBoolean(s, at, true);
        at = EventEncoder.putBoolean(s, at, false);
        at = EventEncoder.putChar(s, at, '\u20ac');
        at = EventEncoder.putEnum(s, at, Thread.State.TIMED_WAITING);
        assertThat(at).isEqualTo(3 + 1 + 2 + 4 + 8 + 4 + 8 + 1 + 1 + 2 + 4);
        ByteBuffer expected =
                ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).position(3);
        expected.put((byte) 0x81).putShort((short) 0x0102).putInt(0x03040506).putLong(0x0708090A0B0C0D0EL);
        expected.putFloat(1.5f)
                .putDouble(-2.0)
                .put((byte) 1)
                .put((byte) 0)
                .putChar('\u20ac')
                .putInt(4);
        assertThat(s.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected.array());
    }

    @Test
    void writesEventHeadersOfEitherIdWidth() {
        for (int bits : new int[] {16, 32}) {
            PacketLayout layout = Traces.allTypes(bits).packetLayout(0);
            MemorySegment s = MemorySegment.ofArray(new byte[32]);
            long end = EventEncoder.eventHeader(s, 1, layout, 0xBEEF, 0x1122334455667788L);
            assertThat(end - 1).isEqualTo(layout.eventHeaderSize()).isEqualTo(bits == 16 ? 10 : 12);
            ByteBuffer b = ByteBuffer.wrap(s.toArray(ValueLayout.JAVA_BYTE)).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(bits == 16 ? b.getShort(1) & 0xFFFF : b.getInt(1)).isEqualTo(0xBEEF);
            assertThat(b.getLong(1 + bits / 8)).isEqualTo(0x1122334455667788L);
        }
    }

    /**
     * Any string, surrogates paired or not, NUL included, encodes as the JDK's own UTF-8 encoder
     * encodes it (which also writes '?' for an unpaired surrogate), NUL written as '?', plus the
     * terminator; stringSize tells exactly that size.
     */
    @Test
    void encodesStringsAsTheJdkDoes() {
        Random random = new Random(42);
        char[] alphabet = {
            'a', 'Z', '0', ' ', '\0', '\n', '\u007f', '\u0080', '\u00e9', '\u07ff', '\u0800', '\u20ac', '\uffff',
            '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d', '\ude00'
        };
        MemorySegment s = MemorySegment.ofArray(new byte[1024]);
        for (int i = 0; i < 20_000; i++) {
            char[] chars = new char[random.nextInt(12)];
            for (int k = 0; k < chars.length; k++) {
                chars[k] = alphabet[random.nextInt(alphabet.length)];
            }
            String value = new String(chars);
            byte[] jdk = value.replace('\0', '?').getBytes(StandardCharsets.UTF_8);
            long end = EventEncoder.putString(s, 5, s.byteSize(), value);
            assertThat(end - 5).as("size of %s", Arrays.toString(chars)).isEqualTo(jdk.length + 1);
            assertThat(EventEncoder.stringSize(value)).isEqualTo(jdk.length + 1);
            assertThat(s.asSlice(5, jdk.length).toArray(ValueLayout.JAVA_BYTE))
                    .as("bytes of %s", Arrays.toString(chars))
                    .isEqualTo(jdk);
            assertThat(s.get(ValueLayout.JAVA_BYTE, 5 + jdk.length)).isZero();
        }
        assertThat(EventEncoder.stringSize(null)).isEqualTo(7);
        long end = EventEncoder.putString(s, 0, 100, null);
        assertThat(new String(s.asSlice(0, end - 1).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8))
                .isEqualTo("(null)");
    }

    /**
     * Given every room from the least (4) up to one byte short, a string is cut at a character
     * boundary and ends with the mark: the longest prefix that fits, never past the room, and the
     * result is below offset + stringSize. Given its full size, it is whole.
     */
    @Test
    void truncatesStringsVisiblyAtCharacterBoundaries() {
        String[] values = {
            "abcdefghij",
            "\u00e9\u00e9\u00e9\u00e9\u00e9",
            "\u20ac\u20ac\u20ac\u20ac",
            "\ud83d\ude00\ud83d\ude00\ud83d\ude00",
            "a\u00e9\u20ac\ud83d\ude00b",
            "x\ud800y\udc00z"
        };
        MemorySegment s = MemorySegment.ofArray(new byte[64]);
        for (String value : values) {
            long size = EventEncoder.stringSize(value);
            for (long room = EventEncoder.MIN_ROOM; room < size; room++) {
                s.fill((byte) 0x55);
                long end = EventEncoder.putString(s, 2, 2 + room, value);
                assertThat(end)
                        .as("%s in %d bytes", value, room)
                        .isLessThanOrEqualTo(2 + room)
                        .isLessThan(2 + size);
                assertThat(s.get(ValueLayout.JAVA_BYTE, 2 + room))
                        .as("nothing past the room")
                        .isEqualTo((byte) 0x55);
                String written =
                        new String(s.asSlice(2, end - 3).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                assertThat(written).endsWith(EventEncoder.TRUNCATION_MARK);
                String prefix = written.substring(0, written.length() - 1);
                String whole = new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
                assertThat(whole).startsWith(prefix);
                // the longest: one more code point would not fit with the mark and the NUL
                int next = whole.offsetByCodePoints(prefix.length(), 1);
                long longer = whole.substring(0, next).getBytes(StandardCharsets.UTF_8).length + 3 + 1;
                assertThat(longer)
                        .as("%s in %d bytes: %s", value, room, written)
                        .isGreaterThan(room);
            }
            long end = EventEncoder.putString(s, 2, 2 + size, value);
            assertThat(end).isEqualTo(2 + size);
        }
    }

    @Test
    void refusesRoomTooSmallForTheMark() {
        MemorySegment s = MemorySegment.ofArray(new byte[16]);
        assertThat(EventEncoder.putString(s, 0, 2, "a"))
                .as("fits: no mark needed")
                .isEqualTo(2);
        assertThatThrownBy(() -> EventEncoder.putString(s, 0, 3, "abcd"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 bytes of room; give it at least 4");
        assertThatThrownBy(() -> EventEncoder.putBytes(s, 0, 3, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 bytes of room; give it at least 4");
    }

    @Test
    void writesByteArraysWithTheirLengthAndCutsTheLength() {
        MemorySegment s = MemorySegment.ofArray(new byte[16]);
        byte[] value = {1, 2, 3, 4, 5};
        assertThat(EventEncoder.bytesSize(value)).isEqualTo(9);
        assertThat(EventEncoder.putBytes(s, 1, 10, value)).isEqualTo(10);
        assertThat(s.get(EventEncoder.INT, 1)).isEqualTo(5);
        assertThat(s.asSlice(5, 5).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(value);
        assertThat(EventEncoder.putBytes(s, 1, 8, value)).as("room for 3 of 5").isEqualTo(8);
        assertThat(s.get(EventEncoder.INT, 1)).isEqualTo(3);
        assertThat(EventEncoder.bytesSize(null)).isEqualTo(4);
        assertThat(EventEncoder.putBytes(s, 0, 16, null)).isEqualTo(4);
        assertThat(s.get(EventEncoder.INT, 0)).isZero();
    }

    /**
     * Encoding and finishing allocate nothing: 100k records of every type (strings with non-ASCII
     * and 4-byte characters included), each finished as a packet with padding, measured with the
     * thread's allocation counter after warm-up.
     */
    @Test
    void encodingAndFinishingAllocateNothing() {
        assertThat(THREADS.isThreadAllocatedMemorySupported()).isTrue();
        THREADS.setThreadAllocatedMemoryEnabled(true);
        PacketLayout layout = Traces.allTypes(16).packetLayout(0);
        MemorySegment s = MemorySegment.ofArray(new byte[4096]);
        String text = "h\u00e9llo \u20ac \ud83d\ude00 and a long tail that will be cut";
        byte[] bytes = new byte[100];
        for (int warm = 0; warm < 20; warm++) {
            encodeMany(layout, s, text, bytes, 10_000);
        }
        long best = Long.MAX_VALUE;
        // until C2 has compiled the loop (escape analysis removes the FFM accessors' temporaries);
        // on a busy machine that can take several rounds
        for (int attempt = 0; attempt < 30 && best >= 4096; attempt++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            encodeMany(layout, s, text, bytes, 100_000);
            best = Math.min(best, THREADS.getCurrentThreadAllocatedBytes() - before);
        }
        assertThat(best).as("bytes allocated by 100k records").isLessThan(4096);
        // the control: String.getBytes allocates, and the measurement sees it
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            sink += text.getBytes(StandardCharsets.UTF_8).length;
        }
        assertThat(THREADS.getCurrentThreadAllocatedBytes() - before).isGreaterThan(10_000L * 16);
    }

    private static void encodeMany(PacketLayout layout, MemorySegment s, String text, byte[] bytes, int n) {
        PacketFields fields = layout.newPacketFields(1);
        for (int i = 0; i < n; i++) {
            long at = EventEncoder.eventHeader(s, layout.eventsOffset(), layout, 2, i);
            at = EventEncoder.putByte(s, at, (byte) i);
            at = EventEncoder.putShort(s, at, (short) i);
            at = EventEncoder.putInt(s, at, i);
            at = EventEncoder.putLong(s, at, i * 3L);
            at = EventEncoder.putFloat(s, at, i * 0.5f);
            at = EventEncoder.putDouble(s, at, i * 0.25);
            at = EventEncoder.putBoolean(s, at, (i & 1) == 0);
            at = EventEncoder.putChar(s, at, (char) i);
            at = EventEncoder.putEnum(s, at, Thread.State.RUNNABLE);
            long size = EventEncoder.stringSize(text);
            at = EventEncoder.putString(s, at, at + size, text);
            at = EventEncoder.putString(s, at, at + 20, text); // truncated
            at = EventEncoder.putBytes(s, at, at + EventEncoder.bytesSize(bytes), bytes);
            fields.timestampBegin(i)
                    .timestampEnd(i)
                    .contentSize(at)
                    .packetSize(at + 100)
                    .sequenceNumber(i);
            Packets.finish(s, fields);
            sink += at;
        }
    }
}
