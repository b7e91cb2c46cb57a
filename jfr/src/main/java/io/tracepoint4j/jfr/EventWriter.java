package io.tracepoint4j.jfr;

import io.tracepoint4j.IndexedArgumentWriter;
import jdk.jfr.Event;
import jdk.jfr.EventFactory;
import jdk.jfr.EventType;

/**
 * The writer probe of one bridged tracepoint: turns a firing into a JFR event of the tracepoint's
 * type, argument i into field i.
 *
 * <p>The writer's handle and cursors are longs (see {@link io.tracepoint4j.ArgumentWriter}), and a JFR event is an
 * object, so the event being filled lives in a one-slot holder per thread: the generated probe calls
 * {@code begin}, the writes and {@code end} in a row with no other code between them, so a
 * thread fills one event at a time (a firing nested inside another happens in a probe, never
 * inside this writer). The cursor is the index of the next field.
 */
final class EventWriter extends IndexedArgumentWriter {
    /** The event each thread is filling, between begin and end. */
    private static final ThreadLocal<Event[]> FILLING = new ThreadLocal<Event[]>() {
        @Override
        protected Event[] initialValue() {
            return new Event[1];
        }
    };

    private final EventFactory factory;
    private final EventType type;

    EventWriter(EventFactory factory) {
        this.factory = factory;
        this.type = factory.getEventType();
    }

    @Override
    public long begin(int variableSize) {
        if (!type.isEnabled()) {
            return -1; // no recording wants it: the firing costs this check alone
        }
        Event event = factory.newEvent();
        if (!event.shouldCommit()) {
            return -1;
        }
        FILLING.get()[0] = event;
        return 0;
    }

    @Override
    public long writeBoolean(long cursor, boolean value) {
        return set(cursor, value);
    }

    @Override
    public long writeByte(long cursor, byte value) {
        return set(cursor, value);
    }

    @Override
    public long writeShort(long cursor, short value) {
        return set(cursor, value);
    }

    @Override
    public long writeChar(long cursor, char value) {
        return set(cursor, value);
    }

    @Override
    public long writeInt(long cursor, int value) {
        return set(cursor, value);
    }

    @Override
    public long writeLong(long cursor, long value) {
        return set(cursor, value);
    }

    @Override
    public long writeFloat(long cursor, float value) {
        return set(cursor, value);
    }

    @Override
    public long writeDouble(long cursor, double value) {
        return set(cursor, value);
    }

    @Override
    public long writeString(long cursor, String value) {
        return set(cursor, value);
    }

    @Override
    public long writeBytes(long cursor, byte[] value) {
        return set(cursor, value == null ? -1 : value.length);
    }

    @Override
    public long writeEnum(long cursor, Enum<?> value) {
        return set(cursor, value == null ? null : value.name());
    }

    @Override
    public void end(long handle, long cursor) {
        Event[] filling = FILLING.get();
        Event event = filling[0];
        filling[0] = null; // the event is not kept reachable from the thread
        event.commit();
    }

    private static long set(long cursor, Object value) {
        FILLING.get()[0].set((int) cursor, value);
        return cursor + 1;
    }
}
