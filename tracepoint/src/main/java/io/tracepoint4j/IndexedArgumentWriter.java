package io.tracepoint4j;

/**
 * An {@link ArgumentWriter} for consumers that look at arguments without writing records
 * (counters, histograms, bridges to other event systems): the cursor is the argument's index in
 * {@link Tracepoint#arguments()} ({@link #begin} returns 0 and each write returns {@code cursor +
 * 1}), the sizes are 0, and every method does nothing else. Override the ones you need: {@code
 * begin} to count or to skip a firing (return -1), the writes of the types you read, {@code end} to
 * finish.
 */
public abstract class IndexedArgumentWriter implements ArgumentWriter {
    /** For subclasses. */
    protected IndexedArgumentWriter() {}

    @Override
    public int sizeOfString(String value) {
        return 0;
    }

    @Override
    public int sizeOfBytes(byte[] value) {
        return 0;
    }

    /** Returns 0, the index of the first argument. */
    @Override
    public long begin(int variableSize) {
        return 0;
    }

    @Override
    public long writeBoolean(long cursor, boolean value) {
        return cursor + 1;
    }

    @Override
    public long writeByte(long cursor, byte value) {
        return cursor + 1;
    }

    @Override
    public long writeShort(long cursor, short value) {
        return cursor + 1;
    }

    @Override
    public long writeChar(long cursor, char value) {
        return cursor + 1;
    }

    @Override
    public long writeInt(long cursor, int value) {
        return cursor + 1;
    }

    @Override
    public long writeLong(long cursor, long value) {
        return cursor + 1;
    }

    @Override
    public long writeFloat(long cursor, float value) {
        return cursor + 1;
    }

    @Override
    public long writeDouble(long cursor, double value) {
        return cursor + 1;
    }

    @Override
    public long writeString(long cursor, String value) {
        return cursor + 1;
    }

    @Override
    public long writeBytes(long cursor, byte[] value) {
        return cursor + 1;
    }

    @Override
    public long writeEnum(long cursor, Enum<?> value) {
        return cursor + 1;
    }

    @Override
    public void end(long handle, long cursor) {}
}
