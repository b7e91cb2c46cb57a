package io.tracepoint4j.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.tracepoint4j.Tracepoint;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/**
 * A begin and an end tracepoint that make a span: a firing of the begin tracepoint starts a span
 * (its parent the span context current on the firing thread, its attributes the begin's
 * arguments), and the next firing of the end tracepoint on the same thread adds the end's
 * arguments and ends it. Pairs nest per thread (a stack of at most {@link #MAX_OPEN} open spans),
 * like the kernel's {@code sys_enter}/{@code sys_exit}; the span is not made current, as the
 * bridge cannot close a scope the application opened around it.
 *
 * <p>An end with no open begin on its thread is counted ({@link #unmatchedEnds()}), as is a begin
 * beyond the stack's depth ({@link #tooDeep()}); a begin refused by the bridge's sampling or rate
 * limit leaves a mark, so that its end is dropped too.
 */
final class SpanPair {
    /** The most spans of this pair open at once on one thread. */
    static final int MAX_OPEN = 64;

    /**
     * The mark of a begin the bridge did not send on: its end is dropped too. A no-op SDK may hand
     * out this same invalid span for a span it started; ending that one is a no-op anyway.
     */
    private static final Span REFUSED = Span.getInvalid();

    /** The spans open on a thread, innermost last; the beginnings past MAX_OPEN are only counted. */
    private static final class OpenSpans {
        final Span[] spans = new Span[MAX_OPEN];
        int depth;
        int beyond;
        SpanBuilder starting; // between the begin firing's begin and end
        Span ending; // between the end firing's begin and end
        Instant endingAt; // the end firing's event time (Tracepoint.eventTime()), or null: now
    }

    private final String name;
    private final Tracer tracer;
    private final Admission admission;
    private final ThreadLocal<OpenSpans> open = new ThreadLocal<OpenSpans>() {
        @Override
        protected OpenSpans initialValue() {
            return new OpenSpans();
        }
    };
    private final LongAdder unmatchedEnds = new LongAdder();
    private final LongAdder tooDeep = new LongAdder();

    SpanPair(String name, Tracer tracer, Admission admission) {
        this.name = name;
        this.tracer = tracer;
        this.admission = admission;
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
            OpenSpans spans = open.get();
            if (spans.depth == MAX_OPEN) {
                spans.beyond++;
                tooDeep.increment();
                return -1;
            }
            if (!admission.admit()) {
                spans.spans[spans.depth++] = REFUSED;
                return -1;
            }
            spans.starting = tracer.spanBuilder(name)
                    .setParent(Context.current())
                    .setStartTimestamp(timed ? Instant.ofEpochSecond(0, eventEpochNanos) : Instant.now())
                    .setAttribute(EventWriter.THREAD_ID, Thread.currentThread().threadId())
                    .setAttribute(
                            EventWriter.THREAD_NAME, Thread.currentThread().getName());
            return 0;
        }

        @Override
        public void end(long handle, long cursor) {
            OpenSpans spans = open.get();
            spans.spans[spans.depth++] = spans.starting.startSpan();
            spans.starting = null;
        }

        @Override
        void putLong(AttributeKey<Long> key, long value) {
            open.get().starting.setAttribute(key, value);
        }

        @Override
        void putDouble(AttributeKey<Double> key, double value) {
            open.get().starting.setAttribute(key, value);
        }

        @Override
        void putBoolean(AttributeKey<Boolean> key, boolean value) {
            open.get().starting.setAttribute(key, value);
        }

        @Override
        void putString(AttributeKey<String> key, String value) {
            open.get().starting.setAttribute(key, value);
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
            OpenSpans spans = open.get();
            if (spans.beyond > 0) {
                spans.beyond--; // the end of a begin that was too deep
                return -1;
            }
            if (spans.depth == 0) {
                unmatchedEnds.increment();
                return -1;
            }
            Span span = spans.spans[--spans.depth];
            spans.spans[spans.depth] = null;
            if (span == REFUSED) {
                return -1;
            }
            spans.ending = span;
            spans.endingAt = at;
            return 0;
        }

        @Override
        public void end(long handle, long cursor) {
            OpenSpans spans = open.get();
            Span span = spans.ending;
            Instant at = spans.endingAt;
            spans.ending = null;
            spans.endingAt = null;
            if (at == null) {
                span.end();
            } else {
                span.end(at);
            }
        }

        @Override
        void putLong(AttributeKey<Long> key, long value) {
            open.get().ending.setAttribute(key, value);
        }

        @Override
        void putDouble(AttributeKey<Double> key, double value) {
            open.get().ending.setAttribute(key, value);
        }

        @Override
        void putBoolean(AttributeKey<Boolean> key, boolean value) {
            open.get().ending.setAttribute(key, value);
        }

        @Override
        void putString(AttributeKey<String> key, String value) {
            open.get().ending.setAttribute(key, value);
        }
    }
}
