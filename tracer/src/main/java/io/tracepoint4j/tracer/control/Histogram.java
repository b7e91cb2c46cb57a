package io.tracepoint4j.tracer.control;

import io.tracepoint4j.ArgumentWriter;
import io.tracepoint4j.Attachments;
import io.tracepoint4j.IndexedArgumentWriter;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.Tracepoints;
import io.tracepoint4j.tracer.Filter;
import java.util.List;
import java.util.concurrent.atomic.DoubleAccumulator;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code tp hist}'s histogram in the target: a probe on one tracepoint (guarded by the filter, if
 * any) that puts one numeric argument into log2 buckets, as ftrace's hist triggers and bpftrace's
 * {@code hist()} do, and keeps its count, sum, minimum and maximum. It writes nothing.
 *
 * <p>Buckets: 0 holds negative values, 1 holds 0, and k + 2 holds [2^k, 2^(k+1)) for k = 0..62.
 * A floating-point argument is bucketed by its integer part (toward zero); its sum, minimum and
 * maximum are kept as doubles (IEEE's: a NaN makes them NaN). The probe is a writer
 * probe whose cursor counts the arguments as they pass, so it sees the one it wants by its index.
 */
final class Histogram {
    /*
     * Overview
     *   One Recorder, made for the first tracepoint the glob matches (now, or once defined), fed
     *   by writer probes through Attachments on that tracepoint and on later ones of its name
     *   with the field at the same place (a plugin deployed again).
     *
     * Concurrency
     *   Attachments calls the chooser's writers() under its lock, one tracepoint at a time, on a
     *   defining thread; the control thread reads the histogram.
     *   [R] recorder is written once, in bind(), after name and argument: its volatile write
     *       publishes them to the control thread, which reads recorder first (name(), read()).
     *   [P] problem is written by a defining thread that found the field missing or whose
     *       tracepoint refused the probe, while nothing is measured (or by the starting thread,
     *       which then throws it), and read by the control thread (problem()), which tells the
     *       tool.
     *   The Recorder's sums are LongAdders and LongAccumulators (Double ones for a floating-point
     *   argument), read with sum() and get().
     *   [N] A firing adds to count last, and read() reads count first: each firing it counts has
     *       its minimum, maximum and bucket in what it reads next (the adders' cells are written
     *       and read with volatile accesses), so the buckets add up to at least count, and min and
     *       max are set whenever count is above 0, even while firings run.
     */

    static final int BUCKETS = 65;

    private final String glob;
    private final String field;
    private final Chooser chooser;
    private final Attachments attachments;

    /**
     * The recorder, made when the first tracepoint is attached: null until then (a tracepoint
     * defined later). Written under Attachments' lock (writers()), read by the control thread.
     */
    private volatile Recorder recorder; // [R] written once in bind(), after name and argument; read by read(), name()
    /** The attached tracepoint's name and field; set with recorder, before it (its volatile write publishes them). */
    private String name;

    private Tracepoint.Argument argument;

    /** Whether a recorder probe is registered on one tracepoint at least. Under Attachments' lock. */
    private boolean measuring;

    /** Why the tracepoint defined later that the glob matched could not be attached; null while none. */
    private volatile String
            problem; // [P] written by a defining thread while nothing is measured, read by the control thread

    /**
     * Attaches to the one tracepoint {@code glob} matches, or, if it matches none yet, to the first
     * it matches once defined; then to each tracepoint of that name defined later with the field
     * at the same place and of the same type (its plugin deployed again), until {@link #close()}.
     *
     * @throws IllegalArgumentException if the glob matches several tracepoints, or {@code field} is
     *     not a numeric argument of the one it matches
     * @throws io.tracepoint4j.tracer.FilterException if the filter does not fit it
     */
    Histogram(String glob, String field, String filter, Notes notes) {
        this.glob = Tracepoints.checkGlob(glob); // why none would match
        this.field = field;
        this.chooser = new Chooser(filter == null || filter.isEmpty() ? null : Filter.parse(filter), notes);
        List<Tracepoint<?>> found = Tracepoints.find(glob);
        if (found.size() > 1 && !found.getFirst().name().equals(found.getLast().name())) {
            throw new IllegalArgumentException("several tracepoints match " + glob + ": " + found + "; name one");
        }
        if (!found.isEmpty()) { // one name: of two loaders' (a redeploy under way), the newer, as lookup() says
            bind(Tracepoints.lookup(found.getFirst().name()).orElseThrow()); // refused now rather than left out
        }
        this.attachments = Attachments.start(chooser);
        if (problem != null) { // the tracepoint bound now refused the probe (its onFirstProbe hook threw)
            attachments.close();
            throw new IllegalStateException(problem);
        }
    }

    /** The name of the tracepoint attached, or null while none is defined that the glob matches. */
    String name() {
        return recorder == null ? null : name; // [R] pairs with the write in bind(): name is set before it
    }

    /** Why the tracepoint the glob matched once defined could not be attached, or null. */
    String problem() {
        return problem;
    }

    /**
     * Makes the recorder for {@code tracepoint}'s field.
     *
     * @throws IllegalArgumentException (FilterException too) if the field is not a numeric argument
     *     of it, or the filter does not fit it
     */
    private void bind(Tracepoint<?> tracepoint) {
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
        chooser.checkFits(tracepoint);
        name = tracepoint.name();
        argument = arguments.get(index);
        recorder = new Recorder( // [R] publishes name, argument to name()
                index, type == float.class || type == double.class, "tp hist of " + name + " " + field);
    }

    /**
     * count, sum, min, max, then the 65 bucket counts, tab-separated; sum, min and max as doubles
     * (Double.toString) for a floating-point argument.
     */
    String read() {
        Recorder recorder = this.recorder;
        if (recorder == null) {
            return "0\t0\t0\t0" + "\t0".repeat(BUCKETS);
        }
        StringBuilder fields = new StringBuilder();
        long count = recorder.count.sum(); // [N] first
        fields.append(count).append('\t');
        if (recorder.floating) {
            fields.append(recorder.decimalSum.sum()).append('\t');
            fields.append(count == 0 ? 0.0 : recorder.decimalMin.get())
                    .append('\t')
                    .append(count == 0 ? 0.0 : recorder.decimalMax.get());
        } else {
            fields.append(recorder.sum.sum()).append('\t');
            fields.append(count == 0 ? 0 : recorder.min.get()).append('\t').append(count == 0 ? 0 : recorder.max.get());
        }
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
     * The recorder for the first tracepoint the glob matches, then for the tracepoints of its name
     * whose argument at its index is the field, of the same type (so the recorder takes the right
     * one); others are left alone. Attachments calls writers() under its lock, one at a time.
     */
    private final class Chooser extends GuardedChooser {
        Chooser(Filter filter, Notes notes) {
            super(filter, "tp hist of " + glob, notes);
        }

        @Override
        public List<? extends ArgumentWriter> writers(Tracepoint<?> tracepoint) {
            Recorder bound = recorder;
            if (bound == null) { // the first the glob matches, defined after the histogram started
                if (problem != null || !Tracepoints.matches(glob, tracepoint.name())) {
                    return List.of();
                }
                try {
                    bind(tracepoint);
                } catch (IllegalArgumentException e) { // its definition must not fail: the tool is told
                    problem = e.getMessage(); // [P] read by problem(): the control thread tells the tool
                    return List.of();
                }
                return List.of(recorder);
            }
            List<Tracepoint.Argument> arguments = tracepoint.arguments();
            boolean same = tracepoint.name().equals(name)
                    && arguments.size() > bound.index
                    && arguments.get(bound.index).equals(argument); // a primitive type: the same Class everywhere
            return same && fits(tracepoint) ? List.of(bound) : List.of();
        }

        @Override
        public void attached(Tracepoint<?> tracepoint, List<? extends ArgumentWriter> writers) {
            measuring = true;
        }

        /**
         * The bound tracepoint refused the recorder (its onFirstProbe hook threw): a problem while
         * nothing is measured, so the tool is told rather than shown an empty histogram; a later
         * one of the name, once one is measured, is a note for the tool.
         */
        @Override
        public boolean notAttached(Tracepoint<?> tracepoint, Throwable cause) {
            String why = "tp hist cannot measure " + tracepoint.name() + ": " + cause.getMessage();
            if (!measuring) {
                problem = why; // [P]
            } else {
                notes.accept(why);
            }
            return true;
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
        /** Whether the argument is a float or a double: the decimal sum, min and max are kept. */
        final boolean floating;

        final DoubleAdder decimalSum = new DoubleAdder();
        final DoubleAccumulator decimalMin = new DoubleAccumulator(new Min(), Double.POSITIVE_INFINITY);
        final DoubleAccumulator decimalMax = new DoubleAccumulator(new Max(), Double.NEGATIVE_INFINITY);
        final LongAdder[] buckets = new LongAdder[BUCKETS];
        final int index;
        private final String description;

        Recorder(int index, boolean floating, String description) {
            this.index = index;
            this.floating = floating;
            this.description = description;
            for (int b = 0; b < BUCKETS; b++) {
                buckets[b] = new LongAdder();
            }
        }

        /** The count last, which read() reads first: see [N] in the design note. */
        private long take(long cursor, long value) {
            if (cursor == index) {
                sum.add(value);
                min.accumulate(value);
                max.accumulate(value);
                buckets[bucket(value)].increment();
                count.increment(); // [N]
            }
            return cursor + 1;
        }

        /** As take(), for a float or double: bucketed by its integer part, summed as it is. */
        private long takeDecimal(long cursor, double value) {
            if (cursor == index) {
                decimalSum.add(value);
                decimalMin.accumulate(value);
                decimalMax.accumulate(value);
                buckets[bucket((long) value)].increment();
                count.increment(); // [N]
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
            return takeDecimal(cursor, value);
        }

        @Override
        public long writeDouble(long cursor, double value) {
            return takeDecimal(cursor, value);
        }

        @Override
        public String toString() {
            return description;
        }
    }

    /**
     * Math.min for the long and the double accumulators (of doubles a NaN wins, as IEEE has it); a
     * class, not a method reference (no invokedynamic).
     */
    private static final class Min
            implements java.util.function.LongBinaryOperator, java.util.function.DoubleBinaryOperator {
        @Override
        public long applyAsLong(long left, long right) {
            return Math.min(left, right);
        }

        @Override
        public double applyAsDouble(double left, double right) {
            return Math.min(left, right);
        }
    }

    private static final class Max
            implements java.util.function.LongBinaryOperator, java.util.function.DoubleBinaryOperator {
        @Override
        public long applyAsLong(long left, long right) {
            return Math.max(left, right);
        }

        @Override
        public double applyAsDouble(double left, double right) {
            return Math.max(left, right);
        }
    }
}
