package io.tracepoint4j.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.logs.LogRecordBuilder;
import io.opentelemetry.api.logs.Logger;
import io.tracepoint4j.Tracepoint;
import java.time.Instant;

/**
 * A firing as an OpenTelemetry log-based event: event name the tracepoint's name, one attribute per
 * argument plus the firing thread's id and name, tied to the span context current on the firing
 * thread, timestamped when it fired, or at its event time if the tracepoint gives one ({@link
 * Tracepoint#eventTime()}: the JVM's events that JFR reports late).
 */
final class EventWriter extends AttributeWriter {
    /** The record each thread is filling, between begin and end. */
    private static final ThreadLocal<LogRecordBuilder[]> FILLING = new ThreadLocal<LogRecordBuilder[]>() {
        @Override
        protected LogRecordBuilder[] initialValue() {
            return new LogRecordBuilder[1];
        }
    };

    static final AttributeKey<Long> THREAD_ID = AttributeKey.longKey("thread.id");
    static final AttributeKey<String> THREAD_NAME = AttributeKey.stringKey("thread.name");

    private final String eventName;
    private final Logger logger;
    private final Admission admission;
    /** The bridge's open spans: an event fired inside one belongs to it. */
    private final ThreadSpans spans;

    EventWriter(Tracepoint<?> tracepoint, Logger logger, Admission admission, ThreadSpans spans) {
        super(tracepoint);
        this.eventName = tracepoint.name();
        this.logger = logger;
        this.admission = admission;
        this.spans = spans;
    }

    @Override
    public long begin(int variableSize) {
        if (!admission.admit()) {
            return -1; // before the clock is read: a refused firing costs nothing more
        }
        return fill(Instant.now());
    }

    /** A tracepoint that gives its event's time: the record's timestamp is that time. */
    @Override
    public long begin(int variableSize, long eventEpochNanos) {
        if (!admission.admit()) {
            return -1;
        }
        return fill(Instant.ofEpochSecond(0, eventEpochNanos));
    }

    /** Starts the thread's record, stamped {@code timestamp}. */
    private long fill(Instant timestamp) {
        Thread thread = Thread.currentThread();
        FILLING.get()[0] = logger.logRecordBuilder()
                .setEventName(eventName)
                .setTimestamp(timestamp)
                .setContext(spans.current().parent())
                .setAttribute(THREAD_ID, thread.threadId())
                .setAttribute(THREAD_NAME, thread.getName());
        return 0;
    }

    @Override
    public void end(long handle, long cursor) {
        LogRecordBuilder[] filling = FILLING.get();
        LogRecordBuilder record = filling[0];
        filling[0] = null;
        record.emit();
    }

    @Override
    <T> void put(AttributeKey<T> key, T value) {
        FILLING.get()[0].setAttribute(key, value);
    }
}
