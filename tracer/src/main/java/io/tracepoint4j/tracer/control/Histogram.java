package io.tracepoint4j.tracer.control;

import io.tracepoint4j.ArgumentWriter;
import io.tracepoint4j.Attachments;
import io.tracepoint4j.IndexedArgumentWriter;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.tracer.Filter;
import java.util.List;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code tp hist}'s histogram in the target: a probe on one tracepoint (guarded by the filter, if
 * any) that puts one numeric argument into log2 buckets, as ftrace's hist triggers and bpftrace's
 * {@code hist()} do, and keeps its count, sum, minimum and maximum. It writes nothing.
 *
 * <p>Buckets: 0 holds negative values, 1 holds 0, and k + 2 holds [2^k, 2^(k+1)) for k = 0..62.
 * A floating-point argument is bucketed by its integer part (toward zero). The probe is a writer
 * probe whose cursor counts the arguments as they pass, so it sees the one it wants by its index.
 */
final class Histogram {
    static final int BUCKETS = 65;

    private final Recorder recorder;
    private final Attachments attachments;

    /**
     * Attaches to {@code tracepoint}, and to each tracepoint of its name defined later with the
     * field at the same place and of the same type (its plugin deployed again), until {@link
     * #close()}.
     *
     * @throws IllegalArgumentException if {@code field} is not a numeric argument of it
     * @throws io.tracepoint4j.tracer.FilterException if the filter does not fit it
     */
    Histogram(Tracepoint<?> tracepoint, String field, String filter) {
        List<Tracepoint.Argument> arguments = tracepoint.arguments();
        int index = -1;
        for (int i = 0; i < arguments.size(); i++) {
            if (arguments.get(i).name().equals(field)) {
                index = i;
            }
        }
        if (index < 0) {
            throw new IllegalArgumentException("tracepoint " + tracepoint.name() + " has no argument " + field + "; its"
                    + " arguments are " + names(arguments));
        }
        Class<?> type = arguments.get(index).type();
        if (!type.isPrimitive() || type == boolean.class) {
            throw new IllegalArgumentException(field + " is " + type.getSimpleName() + ": a histogram needs a number");
        }
        this.recorder = new Recorder(index, "tp hist of " + tracepoint.name() + " " + field);
        Chooser chooser = new Chooser(
                filter == null || filter.isEmpty() ? null : Filter.parse(filter),
                tracepoint.name(),
                arguments.get(index));
        chooser.checkFits(tracepoint); // refused now rather than left out
        this.attachments = Attachments.start(chooser);
    }

    /** count, sum, min, max, then the 65 bucket counts, tab-separated. */
    String read() {
        StringBuilder fields = new StringBuilder();
        long count = recorder.count.sum();
        fields.append(count).append('\t').append(recorder.sum.sum()).append('\t');
        fields.append(count == 0 ? 0 : recorder.min.get()).append('\t').append(count == 0 ? 0 : recorder.max.get());
        for (int b = 0; b < BUCKETS; b++) {
            fields.append('\t').append(recorder.buckets[b].sum());
        }
        return fields.toString();
    }

    /** Detaches the probes and waits until no firing runs them. */
    void close() {
        attachments.close();
    }

    /**
     * The recorder for the tracepoints of the histogram's name whose argument at its index is the
     * field, of the same type (so the recorder takes the right one); others are left alone.
     */
    private final class Chooser extends GuardedChooser {
        private final String name;
        private final Tracepoint.Argument field;

        Chooser(Filter filter, String name, Tracepoint.Argument field) {
            super(filter, "tp hist of " + name);
            this.name = name;
            this.field = field;
        }

        @Override
        public List<? extends ArgumentWriter> writers(Tracepoint<?> tracepoint) {
            List<Tracepoint.Argument> arguments = tracepoint.arguments();
            boolean same = tracepoint.name().equals(name)
                    && arguments.size() > recorder.index
                    && arguments.get(recorder.index).equals(field); // a primitive type: the same Class everywhere
            return same && fits(tracepoint) ? List.of(recorder) : List.of();
        }
    }

    private static String names(List<Tracepoint.Argument> arguments) {
        StringBuilder names = new StringBuilder();
        for (Tracepoint.Argument argument : arguments) {
            names.append(names.length() == 0 ? "" : ", ").append(argument.name());
        }
        return "[" + names + "]";
    }

    /** The bucket of {@code value}. */
    static int bucket(long value) {
        if (value < 0) {
            return 0;
        }
        return value == 0 ? 1 : 2 + 63 - Long.numberOfLeadingZeros(value);
    }

    /** Takes the index-th argument of each firing; begin() hands out cursor 0, each write adds one. */
    private static final class Recorder extends IndexedArgumentWriter {
        final LongAdder count = new LongAdder();
        final LongAdder sum = new LongAdder();
        final LongAccumulator min = new LongAccumulator(new Min(), Long.MAX_VALUE);
        final LongAccumulator max = new LongAccumulator(new Max(), Long.MIN_VALUE);
        final LongAdder[] buckets = new LongAdder[BUCKETS];
        final int index;
        private final String description;

        Recorder(int index, String description) {
            this.index = index;
            this.description = description;
            for (int b = 0; b < BUCKETS; b++) {
                buckets[b] = new LongAdder();
            }
        }

        private long take(long cursor, long value) {
            if (cursor == index) {
                count.increment();
                sum.add(value);
                min.accumulate(value);
                max.accumulate(value);
                buckets[bucket(value)].increment();
            }
            return cursor + 1;
        }

        @Override
        public long writeByte(long cursor, byte value) {
            return take(cursor, value);
        }

        @Override
        public long writeShort(long cursor, short value) {
            return take(cursor, value);
        }

        @Override
        public long writeChar(long cursor, char value) {
            return take(cursor, value);
        }

        @Override
        public long writeInt(long cursor, int value) {
            return take(cursor, value);
        }

        @Override
        public long writeLong(long cursor, long value) {
            return take(cursor, value);
        }

        @Override
        public long writeFloat(long cursor, float value) {
            return take(cursor, (long) value);
        }

        @Override
        public long writeDouble(long cursor, double value) {
            return take(cursor, (long) value);
        }

        @Override
        public String toString() {
            return description;
        }
    }

    /** Math.min as a LongBinaryOperator; a class, not a method reference (no invokedynamic). */
    private static final class Min implements java.util.function.LongBinaryOperator {
        @Override
        public long applyAsLong(long left, long right) {
            return Math.min(left, right);
        }
    }

    private static final class Max implements java.util.function.LongBinaryOperator {
        @Override
        public long applyAsLong(long left, long right) {
            return Math.max(left, right);
        }
    }
}
