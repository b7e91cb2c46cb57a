package io.tracepoint4j;

/**
 * Receives the arguments of a tracepoint's firings, typed and in order, for a consumer that does not
 * know the tracepoint's prototype at compile time: a tracer, a counter, a bridge to another event
 * system. {@link Tracepoint#writerProbe(ArgumentWriter)} makes a probe of the tracepoint's
 * prototype that runs, per firing:
 *
 * <pre>{@code
 * int variable = writer.sizeOfString(path) + writer.sizeOfBytes(data);   // String and byte[] arguments only
 * long handle = writer.begin(variable);                                   // or begin(variable, time): see below
 * if (handle < 0) return;                                                  // skipped
 * long cursor = handle;
 * cursor = writer.writeString(cursor, path);                                // every argument, in the order
 * cursor = writer.writeInt(cursor, flags);                                  // of Tracepoint.arguments()
 * cursor = writer.writeBytes(cursor, data);
 * writer.end(handle, cursor);
 * }</pre>
 *
 * <p>The handle and the cursor are the writer's own values, kept in the probe's local variables:
 * where the record goes (e.g. an offset in a buffer, reserved in {@code begin} for exactly the size
 * the arguments need), where the next argument goes, and whatever {@code end} needs to finish it. So
 * the writer keeps no per-thread state: a firing nested in another (a probe that fires a
 * tracepoint) has its own, and a virtual thread that moves to another carrier loses nothing. A
 * writer that must carry an object from {@code begin} to {@code end} (an event of another system)
 * may keep it per thread: the probe calls {@code begin}, the writes and {@code end} in a row, with
 * no other code between them, so a thread fills one at a time (the JFR and OpenTelemetry bridges
 * do so).
 *
 * <p>A tracepoint that declares one of its arguments the event time ({@link
 * Tracepoint.Builder#eventTime(String)}) calls {@link #begin(int, long)} with that argument
 * instead of {@link #begin(int)}.
 *
 * <p>The probe is generated code: it passes each argument as its own type (no boxing, no
 * {@code Object[]}), allocates nothing, and is registered like any probe, so it is bound into the
 * tracepoint's static call and C2 inlines it, and this writer's methods, into the firing. Use one
 * writer per tracepoint: the writer knows which tracepoint it serves, and its argument types are
 * {@link Tracepoint#arguments()}.
 *
 * <p>The writer runs as a probe, on the firing thread, inside the firing's read-side section: it
 * must not block unless the tracepoint is {@link Tracepoint.Flavor#FAULTABLE faultable}. Its
 * methods should not throw: a throw is counted as the probe's failure (see {@link
 * Tracepoint#failures(Object)}) and ends the firing's call of this writer, so {@code end} is then not
 * called for a record {@code begin} started. Even a writer that never throws may see an error pass
 * through it: instrumented code that recurses until its stack overflows, and catches the {@code
 * StackOverflowError}, gets it wherever a call meets the stack's limit, inside this writer's methods
 * too. A writer that holds something between {@code begin} and {@code end} (a lock, a read-side
 * section, a reservation) must then let go of it later, from a shallower frame: the session's
 * writer does so at the thread's next {@code begin}, and its drain for what no thread comes back for.
 */
public interface ArgumentWriter {
    /** The bytes a {@code String} argument (may be null) will take; called before {@link #begin}. */
    int sizeOfString(String value);

    /** The bytes a {@code byte[]} argument (may be null) will take; called before {@link #begin}. */
    int sizeOfBytes(byte[] value);

    /**
     * A firing begins.
     *
     * @param variableSize the sum of {@link #sizeOfString} and {@link #sizeOfBytes} over this
     *     firing's String and byte[] arguments (0 if it has none)
     * @return a handle, also the first cursor; negative to skip this firing (no argument is handed
     *     over and {@link #end} is not called)
     */
    long begin(int variableSize);

    /**
     * A firing of a tracepoint that declares an event time ({@link
     * Tracepoint.Builder#eventTime(String)}) begins: as {@link #begin(int)}, with that argument's
     * value, the time the event happened in nanoseconds since the Unix epoch, for a writer that
     * places its record at that time rather than now. The argument is also written in its turn.
     * By default, {@link #begin(int)}: the time is only an argument.
     *
     * @param variableSize as {@link #begin(int)}
     * @param eventEpochNanos the event-time argument's value
     * @return as {@link #begin(int)}
     */
    default long begin(int variableSize, long eventEpochNanos) {
        return begin(variableSize);
    }

    /** A {@code boolean} argument at {@code cursor}; returns the next cursor. */
    long writeBoolean(long cursor, boolean value);

    /** A {@code byte} argument at {@code cursor}; returns the next cursor. */
    long writeByte(long cursor, byte value);

    /** A {@code short} argument at {@code cursor}; returns the next cursor. */
    long writeShort(long cursor, short value);

    /** A {@code char} argument at {@code cursor}; returns the next cursor. */
    long writeChar(long cursor, char value);

    /** An {@code int} argument at {@code cursor}; returns the next cursor. */
    long writeInt(long cursor, int value);

    /** A {@code long} argument at {@code cursor}; returns the next cursor. */
    long writeLong(long cursor, long value);

    /** A {@code float} argument at {@code cursor}; returns the next cursor. */
    long writeFloat(long cursor, float value);

    /** A {@code double} argument at {@code cursor}; returns the next cursor. */
    long writeDouble(long cursor, double value);

    /** A {@code String} argument (may be null) at {@code cursor}; returns the next cursor. */
    long writeString(long cursor, String value);

    /**
     * A {@code byte[]} argument (may be null) at {@code cursor}, the firing's own array (not a
     * copy); returns the next cursor.
     */
    long writeBytes(long cursor, byte[] value);

    /** An enum argument (may be null) at {@code cursor}; returns the next cursor. */
    long writeEnum(long cursor, Enum<?> value);

    /**
     * The firing's last argument was handed over.
     *
     * @param handle what {@link #begin} returned
     * @param cursor what the last write returned ({@code handle} if the tracepoint has no arguments)
     */
    void end(long handle, long cursor);

    /**
     * A firing of the tracepoint was nested deeper than {@link Tracepoint#MAX_FIRING_DEPTH} (a probe
     * that fires tracepoints, whose probes fire more) and called no probe: this writer's probe did
     * not run, and this is the place to count the event as lost. Called on the firing thread, for
     * the writer probes registered then; must not fire tracepoints. Does nothing by default.
     */
    default void firingTooDeep() {}
}
