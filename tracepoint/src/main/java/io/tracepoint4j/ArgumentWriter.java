package io.tracepoint4j;

/**
 * Receives the arguments of a tracepoint's firings, typed and in order, for a consumer that does not
 * know the tracepoint's prototype at compile time: a tracer, a counter, a bridge to another event
 * system. {@link Tracepoint#writerProbe(ArgumentWriter)} makes a probe of the tracepoint's
 * prototype that calls, per firing, {@link #begin()}, then one {@code write} method per argument in
 * the order of {@link Tracepoint#arguments()}, then {@link #end()}.
 *
 * <p>The probe is generated code: it passes each argument as its own type (no boxing, no
 * {@code Object[]}), allocates nothing, and is registered like any probe, so it is bound into the
 * tracepoint's static call and C2 inlines it, and this writer's methods, into the firing. Use one
 * writer per tracepoint: the writer knows which tracepoint it serves, and its argument types are
 * {@link Tracepoint#arguments()}.
 *
 * <p>The writer runs as a probe, on the firing thread, inside the firing's read-side section: it
 * must not block unless the tracepoint is {@link Tracepoint.Flavor#FAULTABLE faultable}, and a
 * throw is counted as the probe's failure (see {@link Tracepoint#failures(Object)}), which ends the
 * firing's call of this writer: {@code end()} is then not called.
 */
public interface ArgumentWriter {
    /**
     * A firing begins.
     *
     * @return false to skip this firing: no argument is handed over and {@link #end()} is not called
     */
    boolean begin();

    /** A {@code boolean} argument. */
    void writeBoolean(boolean value);

    /** A {@code byte} argument. */
    void writeByte(byte value);

    /** A {@code short} argument. */
    void writeShort(short value);

    /** A {@code char} argument. */
    void writeChar(char value);

    /** An {@code int} argument. */
    void writeInt(int value);

    /** A {@code long} argument. */
    void writeLong(long value);

    /** A {@code float} argument. */
    void writeFloat(float value);

    /** A {@code double} argument. */
    void writeDouble(double value);

    /** A {@code String} argument; may be null. */
    void writeString(String value);

    /** A {@code byte[]} argument, the firing's own array (not a copy); may be null. */
    void writeBytes(byte[] value);

    /** An enum argument; may be null. */
    void writeEnum(Enum<?> value);

    /** The firing's last argument was handed over. */
    void end();
}
