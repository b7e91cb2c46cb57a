package io.tracepoint4j.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.tracepoint4j.Tracepoint;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/**
 * A begin and an end tracepoint that make a span: a firing of the begin tracepoint starts a span
 * (its parent the innermost span of the bridge open on the firing thread, else the span context
 * current there; its attributes the begin's arguments), and the next firing of the end tracepoint
 * on the same thread adds the end's arguments and ends it. Pairs nest per thread (the bridge's
 * {@link ThreadSpans}, at most {@value ThreadSpans#MAX_OPEN} open spans), like the kernel's {@code
 * sys_enter}/{@code sys_exit}; the span is not made current, as the bridge cannot close a scope
 * the application opened around it.
 *
 * <p>An end with no open begin on its thread is counted ({@link #unmatchedEnds()}), as is a begin
 * beyond the stack's depth ({@link #tooDeep()}); a begin refused by the bridge's sampling or rate
 * limit leaves a mark, so that its end is dropped too.
 */
final class SpanPair {
    private final String name;
    private final Tracer tracer;
    private final Admission admission;
    private final ThreadSpans open;
    /** This pair's place among the bridge's pairs: its index in ThreadSpans.Stack.beyond. */
    private final int index;

    private final LongAdder unmatchedEnds = new LongAdder();
    private final LongAdder tooDeep = new LongAdder();

    SpanPair(String name, Tracer tracer, Admission admission, ThreadSpans open, int index) {
        this.name = name;
        this.tracer = tracer;
        this.admission = admission;
        this.open = open;
        this.index = index;
    }

    /** The writer probe of the begin tracepoint. */
    AttributeWriter beginWriter(Tracepoint<?> begin) {
        return new Begin(begin);
    }

    /** The writer probe of the end tracepoint. */
    AttributeWriter endWriter(Tracepoint<?> end) {
        return new End(end);
    }

    long unmatchedEnds() {
        return unmatchedEnds.sum();
    }

    long tooDeep() {
        return tooDeep.sum();
    }

    /** A begin firing's span being built, between its writer's begin and end, per thread. */
    private static final ThreadLocal<SpanBuilder[]> STARTING = ThreadLocal.withInitial(() -> new SpanBuilder[1]);

    /** An end firing's span and time, between its writer's begin and end, per thread. */
    private static final class Ending {
        Span span;
        Instant at; // the end firing's event time (Tracepoint.eventTime()), or null: now
    }

    private static final ThreadLocal<Ending> ENDING = ThreadLocal.withInitial(Ending::new);

    private final class Begin extends AttributeWriter {
        Begin(Tracepoint<?> tracepoint) {
            super(tracepoint);
        }

        @Override
        public long begin(int variableSize) {
            return start(false, 0);
        }

        /** A begin tracepoint that gives its event's time: the span starts then. */
        @Override
        public long begin(int variableSize, long eventEpochNanos) {
            return start(true, eventEpochNanos);
        }

        private long start(boolean timed, long eventEpochNanos) {
            ThreadSpans.Stack spans = open.current();
            if (spans.full()) {
                spans.beyond[index]++;
                tooDeep.increment();
                return -1;
            }
            if (!admission.admit()) {
                spans.push(SpanPair.this, ThreadSpans.REFUSED);
                return -1;
            }
            STARTING.get()[0] = tracer.spanBuilder(name)
                    .setParent(spans.parent())
                    .setStartTimestamp(timed ? Instant.ofEpochSecond(0, eventEpochNanos) : Instant.now())
                    .setAttribute(EventWriter.THREAD_ID, Thread.currentThread().threadId())
                    .setAttribute(
                            EventWriter.THREAD_NAME, Thread.currentThread().getName());
            return 0;
        }

        @Override
        public void end(long handle, long cursor) {
            SpanBuilder[] starting = STARTING.get();
            open.current().push(SpanPair.this, starting[0].startSpan());
            starting[0] = null;
        }

        @Override
        <T> void put(AttributeKey<T> key, T value) {
            STARTING.get()[0].setAttribute(key, value);
        }
    }

    private final class End extends AttributeWriter {
        End(Tracepoint<?> tracepoint) {
            super(tracepoint);
        }

        @Override
        public long begin(int variableSize) {
            return finish(null);
        }

        /** An end tracepoint that gives its event's time: the span ends then. */
        @Override
        public long begin(int variableSize, long eventEpochNanos) {
            return finish(Instant.ofEpochSecond(0, eventEpochNanos));
        }

        private long finish(Instant at) {
            ThreadSpans.Stack spans = open.current();
            if (spans.beyond[index] > 0) {
                spans.beyond[index]--; // the end of a begin that was too deep
                return -1;
            }
            Span span = spans.pop(SpanPair.this);
            if (span == null) {
                unmatchedEnds.increment();
                return -1;
            }
            if (span == ThreadSpans.REFUSED) {
                return -1;
            }
            Ending ending = ENDING.get();
            ending.span = span;
            ending.at = at;
            return 0;
        }

        @Override
        public void end(long handle, long cursor) {
            Ending ending = ENDING.get();
            Span span = ending.span;
            Instant at = ending.at;
            ending.span = null;
            ending.at = null;
            if (at == null) {
                span.end();
            } else {
                span.end(at);
            }
        }

        @Override
        <T> void put(AttributeKey<T> key, T value) {
            ENDING.get().span.setAttribute(key, value);
        }
    }
}
