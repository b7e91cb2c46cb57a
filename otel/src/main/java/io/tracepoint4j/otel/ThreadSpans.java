package io.tracepoint4j.otel;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;

/**
 * The spans one bridge has open on each thread, innermost last, across all its span pairs: what a
 * new span and an event fired on the thread are parented on. The bridge cannot make its spans
 * current (it opens no scope around code it does not own), so it keeps them here: a span begun
 * while another bridged span is open on the thread is its child, and an event fired in between
 * belongs to it; with none open, both take the span context current on the thread.
 *
 * <p>One stack per thread, used by that thread only (a ThreadLocal): no synchronization.
 */
final class ThreadSpans {
    /** The most spans open at once on one thread, all pairs together. */
    static final int MAX_OPEN = 64;

    /**
     * The mark of a begin the bridge did not send on (sampling, rate limit): its end is dropped
     * too, and spans and events inside it are parented on the span outside it.
     */
    static final Span REFUSED = Span.getInvalid();

    private final ThreadLocal<Stack> stacks;

    /** The open spans of a bridge of {@code pairs} span pairs. */
    ThreadSpans(int pairs) {
        this.stacks = ThreadLocal.withInitial(() -> new Stack(pairs));
    }

    /** The calling thread's stack. */
    Stack current() {
        return stacks.get();
    }

    /** A thread's open spans and the pairs they belong to, innermost last; plus a firing's work in progress. */
    static final class Stack {
        private final Span[] spans = new Span[MAX_OPEN];
        private final SpanPair[] pairs = new SpanPair[MAX_OPEN];
        private int depth;

        /** Begins past MAX_OPEN, by pair (SpanPair.index): their ends are dropped. */
        final int[] beyond;

        Stack(int pairs) {
            this.beyond = new int[pairs];
        }

        boolean full() {
            return depth == MAX_OPEN;
        }

        /** The parent of a span or event begun now: the innermost open span sent on, else the current context. */
        Context parent() {
            for (int i = depth - 1; i >= 0; i--) {
                if (spans[i] != REFUSED) {
                    return Context.current().with(spans[i]);
                }
            }
            return Context.current();
        }

        void push(SpanPair pair, Span span) {
            spans[depth] = span;
            pairs[depth] = pair;
            depth++;
        }

        /**
         * Takes out and returns the innermost open span of {@code pair} (pairs of a bridge may end
         * out of order: then an inner span of another pair stays open); null if it has none.
         */
        Span pop(SpanPair pair) {
            for (int i = depth - 1; i >= 0; i--) {
                if (pairs[i] == pair) {
                    Span span = spans[i];
                    System.arraycopy(spans, i + 1, spans, i, depth - i - 1);
                    System.arraycopy(pairs, i + 1, pairs, i, depth - i - 1);
                    depth--;
                    spans[depth] = null;
                    pairs[depth] = null;
                    return span;
                }
            }
            return null;
        }
    }
}
