package io.tracepoint4j.bench.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns JMH result files ({@code -rf json}) into Markdown tables that compare every row with the
 * baseline measured in the same run: ratios and differences, not absolute claims.
 *
 * <pre>
 * bench/report [--baseline KEY=VALUE] [--vs KEY=VALUE]... RESULT.json...
 * </pre>
 *
 * <p>One table per benchmark class. A row's baseline is the row of the same method, mode, thread
 * count and parameters except that parameter {@code KEY} is {@code VALUE}. By default {@code KEY} is
 * {@code flavor} and {@code VALUE} is the first flavor the class's results hold: every benchmark of
 * this module declares its baseline flavor first, and JMH runs parameters in declaration order.
 * {@code --vs} adds a column comparing with another row the same way (e.g. {@code --vs
 * flavor=rwlock}, headed {@code ×rwlock}; {@code --vs readers=0}, headed {@code ×readers=0}).
 *
 * <p>Columns: the score with its 99.9% error; {@code ×base}, score over the baseline's score (for
 * time modes, how many times the baseline's time, lower is better; for throughput, how many times
 * its throughput, higher is better); {@code Δbase}, score minus the baseline's, in time modes;
 * {@code scaling}, the throughput of this row over that of the same method family (method name less
 * trailing digits, e.g. {@code threads1}/{@code threads2}) and parameters at the fewest threads;
 * percentiles p50 and p99 for sampled time; and aux counters (unit {@code #}) as their mean per
 * measurement iteration. Reads nothing but the JDK, so it also runs as a source file: {@code java
 * JmhReport.java ...}.
 */
public final class JmhReport {

    private static final String DEFAULT_KEY = "flavor";

    private final String baselineKey;
    private final String baselineValue; // null: first value seen per class
    private final List<String[]> versus;

    JmhReport(String baselineKey, String baselineValue, List<String[]> versus) {
        this.baselineKey = baselineKey;
        this.baselineValue = baselineValue;
        this.versus = List.copyOf(versus);
    }

    public static void main(String[] args) throws IOException {
        String key = DEFAULT_KEY;
        String value = null;
        List<String[]> versus = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--baseline" -> {
                    String[] kv = keyValue(args, ++i);
                    key = kv[0];
                    value = kv[1];
                }
                case "--vs" -> versus.add(keyValue(args, ++i));
                case "-h", "--help" -> {
                    usage(System.out);
                    return;
                }
                default -> files.add(Path.of(args[i]));
            }
        }
        if (files.isEmpty()) {
            usage(System.err);
            System.exit(2);
        }
        List<Row> rows = new ArrayList<>();
        for (Path file : files) {
            rows.addAll(parse(Files.readString(file)));
        }
        System.out.print(new JmhReport(key, value, versus).markdown(rows));
    }

    private static void usage(PrintStream out) {
        out.println("usage: bench/report [--baseline KEY=VALUE] [--vs KEY=VALUE]... RESULT.json...");
        out.println("  RESULT.json: written by ./tp bench ... -rf json -rff RESULT.json");
        out.println("  --baseline:  the row every ratio divides by (default: the first flavor run)");
        out.println("  --vs:        one more ratio column, e.g. --vs flavor=rwlock");
    }

    private static String[] keyValue(String[] args, int i) {
        if (i >= args.length || !args[i].contains("=")) {
            throw new IllegalArgumentException("expected KEY=VALUE after " + args[i - 1] + ", e.g. flavor=volatile");
        }
        return args[i].split("=", 2);
    }

    /** One JMH result: a benchmark method at one parameter combination and thread count. */
    record Row(
            String benchmark,
            String mode,
            int threads,
            Map<String, String> params,
            double score,
            double error,
            String unit,
            Map<String, Double> percentiles,
            Map<String, Double> counters,
            Map<String, Object> raw) {

        String className() {
            String name = benchmark.substring(0, benchmark.lastIndexOf('.'));
            return name.substring(name.lastIndexOf('.') + 1);
        }

        String method() {
            return benchmark.substring(benchmark.lastIndexOf('.') + 1);
        }

        String family() {
            return method().replaceAll("\\d+$", "");
        }

        boolean timeMode() {
            return !mode.equals("thrpt");
        }

        /** Proportional to work done per unit of time, summed over threads. */
        double throughput() {
            return timeMode() ? threads / score : score;
        }
    }

    /** Reads a JMH JSON result file. */
    static List<Row> parse(String json) {
        List<Row> rows = new ArrayList<>();
        for (Object element : (List<?>) new Json(json).value()) {
            Map<String, Object> result = object(element);
            Map<String, Object> primary = object(result.get("primaryMetric"));
            Map<String, String> params = new LinkedHashMap<>();
            if (result.get("params") instanceof Map<?, ?> p) {
                p.forEach((k, v) -> params.put((String) k, String.valueOf(v)));
            }
            Map<String, Double> percentiles = new TreeMap<>();
            if (primary.get("scorePercentiles") instanceof Map<?, ?> p) {
                p.forEach((k, v) -> percentiles.put((String) k, number(v)));
            }
            Map<String, Double> counters = new LinkedHashMap<>();
            if (result.get("secondaryMetrics") instanceof Map<?, ?> secondary) {
                secondary.forEach((name, metric) -> {
                    Map<String, Object> m = object(metric);
                    if ("#".equals(m.get("scoreUnit"))) {
                        counters.put((String) name, meanOfRawData(m));
                    } else if (name.equals("gc.alloc.rate.norm")) {
                        counters.put("alloc B/op", number(m.get("score")));
                    }
                });
            }
            rows.add(new Row(
                    (String) result.get("benchmark"),
                    (String) result.get("mode"),
                    (int) number(result.get("threads")),
                    params,
                    number(primary.get("score")),
                    number(primary.get("scoreError")),
                    (String) primary.get("scoreUnit"),
                    percentiles,
                    counters,
                    result));
        }
        return rows;
    }

    /**
     * JMH sums an aux counter over the iterations of a fork; its raw data keeps one value per
     * iteration, whose mean is the count per iteration (for a single-shot benchmark: per batch).
     */
    private static double meanOfRawData(Map<String, Object> metric) {
        double sum = 0;
        int n = 0;
        if (metric.get("rawData") instanceof List<?> forks) {
            for (Object fork : forks) {
                for (Object v : (List<?>) fork) {
                    sum += number(v);
                    n++;
                }
            }
        }
        return n == 0 ? number(metric.get("score")) : sum / n;
    }

    /** The Markdown report for {@code rows}, one section per benchmark class. */
    String markdown(List<Row> rows) {
        Map<String, List<Row>> byClass = new LinkedHashMap<>();
        for (Row row : rows) {
            byClass.computeIfAbsent(row.className(), k -> new ArrayList<>()).add(row);
        }
        StringBuilder out = new StringBuilder();
        byClass.forEach((name, classRows) -> section(out, name, classRows));
        return out.toString();
    }

    private void section(StringBuilder out, String className, List<Row> rows) {
        String base =
                baselineValue != null ? baselineValue : rows.getFirst().params().get(baselineKey);
        out.append("### ").append(className).append("\n\n");
        describeRun(out, rows);
        out.append("Baseline: `")
                .append(baselineKey)
                .append('=')
                .append(base)
                .append("`, same method, threads and other parameters.\n\n");

        List<String> paramNames = new ArrayList<>();
        boolean sampled = false;
        boolean anyTime = false;
        Set<String> counterNames = new LinkedHashSet<>();
        for (Row row : rows) {
            row.params().keySet().stream().filter(k -> !paramNames.contains(k)).forEach(paramNames::add);
            sampled |= row.mode().equals("sample");
            anyTime |= row.timeMode();
            counterNames.addAll(row.counters().keySet());
        }
        boolean scaling = rows.stream().anyMatch(r -> scalingBase(rows, r) != null);

        List<String> header = new ArrayList<>(List.of("method"));
        paramNames.forEach(header::add);
        header.addAll(List.of("threads", "mode", "score", "unit", "×base"));
        if (anyTime) {
            header.add("Δbase");
        }
        for (String[] kv : versus) {
            header.add("×" + (kv[0].equals(baselineKey) ? kv[1] : kv[0] + "=" + kv[1]));
        }
        if (scaling) {
            header.add("scaling");
        }
        if (sampled) {
            header.addAll(List.of("p50", "p99"));
        }
        counterNames.forEach(c -> header.add(c.equals("alloc B/op") ? c : c + " /iter"));
        line(out, header);
        line(out, header.stream().map(h -> "---").toList());

        for (Row row : rows) {
            List<String> cells = new ArrayList<>();
            cells.add(row.method());
            for (String p : paramNames) {
                cells.add(row.params().getOrDefault(p, ""));
            }
            cells.add(Integer.toString(row.threads()));
            cells.add(row.mode());
            cells.add(
                    Double.isFinite(row.error())
                            ? format(row.score()) + " ± " + format(row.error())
                            : format(row.score()));
            cells.add(row.unit());
            Row baseline = find(rows, row, baselineKey, base);
            cells.add(baseline == null ? "n/a" : ratio(row.score() / baseline.score()));
            if (anyTime) {
                cells.add(baseline == null || !row.timeMode() ? "" : signed(row.score() - baseline.score()));
            }
            for (String[] kv : versus) {
                Row other = find(rows, row, kv[0], kv[1]);
                cells.add(other == null ? "n/a" : ratio(row.score() / other.score()));
            }
            if (scaling) {
                Row first = scalingBase(rows, row);
                cells.add(first == null ? "" : ratio(row.throughput() / first.throughput()));
            }
            if (sampled) {
                cells.add(percentile(row, "50.0"));
                cells.add(percentile(row, "99.0"));
            }
            for (String c : counterNames) {
                Double v = row.counters().get(c);
                cells.add(v == null ? "" : format(v));
            }
            line(out, cells);
        }
        out.append('\n');
    }

    private static void describeRun(StringBuilder out, List<Row> rows) {
        Map<String, Object> first = rows.getFirst().raw();
        out.append("JMH %s, JDK %s (%s %s); forks %s, warmup %s × %s, measurement %s × %s.\n"
                .formatted(
                        first.get("jmhVersion"),
                        first.get("jdkVersion"),
                        first.get("vmName"),
                        first.get("vmVersion"),
                        text(first.get("forks")),
                        text(first.get("warmupIterations")),
                        first.get("warmupTime"),
                        text(first.get("measurementIterations")),
                        first.get("measurementTime")));
        Map<String, Set<String>> methodsByArgs = new LinkedHashMap<>();
        for (Row row : rows) {
            Set<String> args = new LinkedHashSet<>();
            if (row.raw().get("jvmArgs") instanceof List<?> list) {
                list.forEach(a -> args.add(String.valueOf(a)));
            }
            methodsByArgs
                    .computeIfAbsent(String.join(" ", args), k -> new LinkedHashSet<>())
                    .add(row.method());
        }
        methodsByArgs.forEach((args, methods) -> {
            out.append("JVM args");
            if (methodsByArgs.size() > 1) {
                out.append(" of ").append(String.join(", ", methods));
            }
            out.append(": `").append(args.isEmpty() ? "(none)" : args).append("`.\n");
        });
        out.append('\n');
    }

    /** The row like {@code row} except that parameter {@code key} is {@code value}. */
    private static Row find(List<Row> rows, Row row, String key, String value) {
        if (!row.params().containsKey(key)) {
            return null;
        }
        Map<String, String> wanted = new LinkedHashMap<>(row.params());
        wanted.put(key, value);
        for (Row r : rows) {
            if (r.benchmark().equals(row.benchmark())
                    && r.mode().equals(row.mode())
                    && r.threads() == row.threads()
                    && r.params().equals(wanted)) {
                return r;
            }
        }
        return null;
    }

    /** The row of the same class, method family, mode and parameters at the fewest threads, if fewer. */
    private static Row scalingBase(List<Row> rows, Row row) {
        Row best = null;
        for (Row r : rows) {
            if (r.className().equals(row.className())
                    && r.family().equals(row.family())
                    && r.mode().equals(row.mode())
                    && r.params().equals(row.params())
                    && r.threads() < row.threads()
                    && (best == null || r.threads() < best.threads())) {
                best = r;
            }
        }
        if (best == null && rows.stream().anyMatch(r -> r != row && scalingBaseOf(r, row))) {
            return row; // this row is itself the base of a scaling pair: 1.00x
        }
        return best;
    }

    private static boolean scalingBaseOf(Row bigger, Row base) {
        return bigger.className().equals(base.className())
                && bigger.family().equals(base.family())
                && bigger.mode().equals(base.mode())
                && bigger.params().equals(base.params())
                && bigger.threads() > base.threads();
    }

    private static String percentile(Row row, String p) {
        Double v = row.percentiles().get(p);
        return v == null ? "" : format(v);
    }

    private static void line(StringBuilder out, List<String> cells) {
        out.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    static String ratio(double r) {
        return Double.isFinite(r) ? String.format(Locale.ROOT, "%.2fx", r) : "n/a";
    }

    static String signed(double d) {
        return (d >= 0 ? "+" : "-") + format(Math.abs(d));
    }

    /** About three significant digits, never scientific notation. */
    static String format(double v) {
        if (!Double.isFinite(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        String pattern = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : a == 0 ? "%.0f" : "%.3f";
        return String.format(Locale.ROOT, pattern, v);
    }

    private static String text(Object v) {
        return v instanceof Double d && d == Math.rint(d) ? Long.toString(d.longValue()) : String.valueOf(v);
    }

    private static double number(Object v) {
        return switch (v) {
            case Double d -> d;
            case String s -> parseNumber(s);
            case null, default -> Double.NaN;
        };
    }

    private static double parseNumber(String s) {
        try {
            return Double.parseDouble(s); // JMH writes "NaN" as a string
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v) {
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException("not a JMH JSON result file: expected an object, found " + v);
    }

    /** Just enough JSON for JMH's output: objects, arrays, strings, numbers (as Double), literals. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = Objects.requireNonNull(s);
        }

        Object value() {
            Object v = next();
            skipSpace();
            if (i != s.length()) {
                throw error("trailing text");
            }
            return v;
        }

        private Object next() {
            skipSpace();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            return switch (c) {
                case '{' -> object();
                case '[' -> array();
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> number();
            };
        }

        private Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            skipSpace();
            if (peek('}')) {
                return m;
            }
            do {
                skipSpace();
                String key = string();
                skipSpace();
                expect(':');
                m.put(key, next());
                skipSpace();
            } while (peek(','));
            expect('}');
            return m;
        }

        private List<Object> array() {
            List<Object> list = new ArrayList<>();
            i++;
            skipSpace();
            if (peek(']')) {
                return list;
            }
            do {
                list.add(next());
                skipSpace();
            } while (peek(','));
            expect(']');
            return list;
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> b.append(e); // \" \\ \/
                }
            }
            throw error("unterminated string");
        }

        private Double number() {
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            if (start == i) {
                throw error("unexpected character '" + s.charAt(i) + "'");
            }
            return Double.parseDouble(s.substring(start, i));
        }

        private Object literal(String word, Object v) {
            if (!s.startsWith(word, i)) {
                throw error("expected " + word);
            }
            i += word.length();
            return v;
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
        }

        private void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("bad JSON at offset " + i + ": " + what);
        }
    }
}
