package io.tracepoint4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tp hist --pid PID -e EVENT --field NAME [--filter EXPR] [--duration S]}: a log2 histogram
 * of one numeric argument, made in the target (as ftrace's hist triggers and bpftrace's {@code
 * hist()}), with count, min, max, mean and percentiles, drawn as a text chart.
 */
@Command(
        name = "hist",
        header = "A log2 histogram of one numeric argument of a running JVM's tracepoint.",
        description = {
            "",
            // no sample chart here: its bars, a pipe next to an at sign, are picocli's style markup
            "One line per power-of-two bucket, [1K, 2K) say: its count and a bar of at signs as long as"
                    + " the count is against the largest, like bpftrace's hist(); then count, min, max,"
                    + " mean, and p50 to p99.9.",
            "",
            "Made in the target (tp brings its tracer in if it has only the tracepoints) without"
                    + " writing a trace;"
                    + " percentiles are the upper bounds of the buckets they fall in."
        },
        footer = {
            "",
            "Exit status: 0 (also when EVENT matches no tracepoint yet: the first defined later is measured, and"
                    + " stderr says so), 1 when the JVM cannot be reached or the histogram fails, 2 for a usage error"
                    + " (also an EVENT that matches several tracepoints or none can, a filter or field the target"
                    + " refuses)."
        })
final class HistCommand implements Callable<Integer> {
    private static final int BUCKETS = 65;
    private static final int BAR = 40;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Print this help and exit.")
    boolean help;

    @Mixin
    TargetOption target;

    /** The target's PID, once resolved. */
    private long pid;

    @Option(
            names = {"-e", "--event"},
            required = true,
            paramLabel = "EVENT",
            description = "The tracepoint: its name, or a glob that matches one.")
    String event;

    @Option(names = "--field", required = true, paramLabel = "NAME", description = "The numeric argument to histogram.")
    String field;

    @Option(names = "--filter", paramLabel = "EXPR", description = "Only the firings this filter accepts.")
    String filter;

    @Mixin
    DurationOption duration;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        filter = Tp.filter(filter);
        pid = target.resolve(spec.commandLine());
        PrintWriter out = spec.commandLine().getOut();
        try (ControlSocket control = target.connect()) {
            String[] started = control.request("hist", filter == null ? "" : filter, event, field);
            boolean noneYet = started[2].equals("0");
            out.println("histogram of " + started[1] + " " + field + (filter == null ? "" : " if " + filter)
                    + " in PID " + pid + (noneYet ? " (not defined yet; the first defined that it matches)" : "")
                    + duration.phrase(", Ctrl-C stops"));
            out.flush();
            if (noneYet) { // not an error: the tracepoint defined later is measured
                target.sayNoneMatchYet(
                        spec.commandLine().getErr(),
                        "hist",
                        java.util.List.of(event),
                        "the first defined later will be measured");
            }
            target.letCommandRun(control, spec.commandLine().getErr(), "hist");
            ControlSocket.Poll poll = control.new Poll("histogram");
            control.waitForTheEnd(
                    duration.seconds, poll, null, spec.commandLine().getErr(), "hist");
            String[] answer = poll.finish("unhist", "histogram");
            control.sayNotes(spec.commandLine().getErr(), "hist"); // those of its last second, or its last words
            if (poll.exited() && !poll.finalCounts()) { // killed: what it said last, up to a second old
                out.println("PID " + pid + " exited without its final histogram; as of the last second:");
            } else if (poll.exited() && !target.isCommand()) { // a --pid target's exit is news; a command's is its end
                out.println("PID " + pid + " exited; its histogram at its exit:");
            }
            String measured = answer[1]; // "-": no tracepoint EVENT matches was defined
            // count, sum, min, max, buckets: the sum, min and max of a floating-point argument are doubles
            boolean decimal = !isInteger(answer[3]);
            long[] values = new long[answer.length - 2];
            for (int i = 2; i < answer.length; i++) {
                values[i - 2] = decimal && i >= 3 && i <= 5 ? 0 : Long.parseLong(answer[i]);
            }
            if (measured.equals("-")) {
                out.println();
                out.println("no tracepoint matching " + event + " was defined");
            } else {
                if (noneYet) { // bound after the start: say which
                    out.println();
                    out.println("measured: " + measured);
                }
                if (decimal) {
                    print(
                            out,
                            values,
                            Double.parseDouble(answer[3]),
                            Double.parseDouble(answer[4]),
                            Double.parseDouble(answer[5]));
                } else {
                    print(out, values);
                }
            }
        }
        out.flush(); // the results are out before any wait: a Ctrl-C's exit waits for this command a while only
        target.awaitCommand();
        return 0;
    }

    /** count, sum, min, max, then the buckets: the summary line, the chart, the percentiles. */
    static void print(PrintWriter out, long[] values) {
        long count = values[0];
        print(
                out,
                values,
                String.format("min %,d  max %,d  mean %,.1f", values[2], values[3], (double) values[1] / count));
    }

    /**
     * As {@link #print(PrintWriter, long[])}, for a floating-point argument: {@code values} holds
     * the count and the buckets, {@code sum}, {@code min} and {@code max} are the arguments' own.
     */
    static void print(PrintWriter out, long[] values, double sum, double min, double max) {
        print(out, values, "min " + decimal(min) + "  max " + decimal(max) + "  mean " + decimal(sum / values[0]));
    }

    /** {@code value} to 6 significant digits, without trailing zeros or an exponent; NaN and infinities as Java says them. */
    static String decimal(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return Double.toString(value);
        }
        return new java.math.BigDecimal(value)
                .round(new java.math.MathContext(6))
                .stripTrailingZeros()
                .toPlainString();
    }

    private static boolean isInteger(String field) {
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if ((c < '0' || c > '9') && !(i == 0 && c == '-')) {
                return false;
            }
        }
        return !field.isEmpty();
    }

    /** The summary line ({@code count N  } then {@code minMaxMean}), the chart, the percentiles. */
    private static void print(PrintWriter out, long[] values, String minMaxMean) {
        long count = values[0];
        out.println();
        if (count == 0) {
            out.println("count 0: no firing passed");
            return;
        }
        long[] buckets = new long[BUCKETS];
        System.arraycopy(values, 4, buckets, 0, BUCKETS);
        out.printf("count %,d  %s%n%n", count, minMaxMean);
        int first = 0;
        int last = BUCKETS - 1;
        while (buckets[first] == 0) {
            first++;
        }
        while (buckets[last] == 0) {
            last--;
        }
        long most = 0;
        for (long b : buckets) {
            most = Math.max(most, b);
        }
        for (int b = first; b <= last; b++) {
            int width = (int) Math.round((double) buckets[b] * BAR / most);
            out.printf("%-14s %,10d |%-" + BAR + "s|%n", range(b), buckets[b], "@".repeat(width));
        }
        out.println();
        for (double p : new double[] {0.50, 0.90, 0.99, 0.999}) {
            long rank = (long) Math.ceil(p * count);
            long seen = 0;
            int b = 0;
            while (b < last && seen + buckets[b] < rank) { // within the buckets, whatever count says
                seen += buckets[b++];
            }
            out.printf("p%-4s < %s%n", new java.text.DecimalFormat("0.#").format(p * 100), upper(b));
        }
    }

    /** A bucket's range: (..., 0), [0], [1, 2), [2, 4), ... with K, M, G for powers of 1024. */
    private static String range(int bucket) {
        if (bucket == 0) {
            return "(..., 0)";
        }
        if (bucket == 1) {
            return "[0]";
        }
        return "[" + human(1L << (bucket - 2)) + ", " + upper(bucket) + ")";
    }

    private static String upper(int bucket) {
        if (bucket <= 1) {
            return bucket == 0 ? "0" : "1";
        }
        return bucket - 1 >= 63 ? "2^63" : human(1L << (bucket - 1));
    }

    private static String human(long power) {
        String[] units = {"", "K", "M", "G", "T", "P", "E"};
        int unit = 0;
        long value = power;
        while (value >= 1024 && value % 1024 == 0) {
            value /= 1024;
            unit++;
        }
        return value + units[unit];
    }
}
