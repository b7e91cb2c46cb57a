package io.tracepoint4j.jcstress.console;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code ./tp} reads from the console log of a jcstress 0.16 run (its standard output and error,
 * as {@code ./tp jcstress} saves them in {@code .tp/jcstress/console.log}). jcstress reports a test
 * that matched nothing only in words ({@code FATAL: No matching tests.}, exit 0) and cannot fail a
 * test for an outcome that never showed up, so {@code ./tp} checks both from this text.
 *
 * <p>Two views of the text, as the shell code this replaces had them: the header lines ({@link
 * #presetMode()}, {@link #selection()}) are lines split at {@code \n} only; the progress and summary
 * parts ({@link #lastResults()}, {@link #zeroZero(String)}) are split at {@code \r} too, because an
 * interactive console redraws its progress line with carriage returns.
 */
public final class ConsoleLog {

    /** The package of the barrier litmus tests, whose control tests {@code ./tp} checks. */
    public static final String BARRIER_PACKAGE = "io.tracepoint4j.jcstress.barrier.";

    // DOTALL: `.` takes a stray \r too, as sed's does; matches() anchors at both ends of the line.
    private static final Pattern PRESET_MODE = Pattern.compile(" *Test preset mode: \"([a-z]*)\".*", Pattern.DOTALL);
    private static final Pattern SELECTION = Pattern.compile(" *Test selection: \"(.*)\"", Pattern.DOTALL);
    private static final Pattern RESULTS = Pattern.compile("Results: ([0-9]+) planned; ([0-9]+) passed");
    private static final Pattern TEST_HEADER = Pattern.compile("^[.]+ \\[");
    private static final Pattern BLANKS = Pattern.compile("[ \t]+");

    /** The progress line's test counts, e.g. {@code Results: 25 planned; 25 passed}. */
    public record Results(String text, long planned, long passed) {}

    private final String text;
    private final List<String> rawLines;
    private final List<String> lines;

    private ConsoleLog(String text) {
        this.text = text;
        this.rawLines = List.of(text.split("\n", -1));
        this.lines = List.of(text.split("[\r\n]", -1));
    }

    /** The log with console text {@code text}. */
    public static ConsoleLog of(String text) {
        return new ConsoleLog(text);
    }

    /** Whether jcstress said that no test matched the {@code -t} regex (it exits 0 then). */
    public boolean noMatchingTests() {
        return text.contains("No matching tests");
    }

    /** The {@code Test preset mode} of the header ({@code quick}, {@code sanity}, {@code default}...). */
    public Optional<String> presetMode() {
        return firstGroup(PRESET_MODE);
    }

    /** The {@code Test selection} of the header: the {@code -t} regex, {@code .*} when none was given. */
    public Optional<String> selection() {
        return firstGroup(SELECTION);
    }

    private Optional<String> firstGroup(Pattern pattern) {
        for (String line : rawLines) {
            Matcher m = pattern.matcher(line);
            if (m.matches()) {
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    /** The last {@code Results: N planned; N passed} the progress line printed; empty if it printed none. */
    public Optional<Results> lastResults() {
        Results last = null;
        for (String line : lines) {
            Matcher m = RESULTS.matcher(line);
            while (m.find()) {
                last = new Results(m.group(), parse(m.group(1)), parse(m.group(2)));
            }
        }
        return Optional.ofNullable(last);
    }

    /**
     * How often the summary ({@code RUN RESULTS}) reports the outcome {@code (0, 0)} for test {@code
     * simpleName} of the barrier package, across all configurations. 0 when jcstress does not detail the
     * test there: it details only tests with an interesting outcome, so for a control test that means
     * it never saw {@code (0, 0)}.
     */
    public long zeroZero(String simpleName) {
        boolean summary = false;
        boolean block = false;
        for (String line : lines) {
            if (line.startsWith("RUN RESULTS:")) {
                summary = true;
                continue;
            }
            if (!summary) {
                continue;
            }
            List<String> fields = fields(line);
            if (line.contains("] " + BARRIER_PACKAGE + simpleName)
                    && !fields.isEmpty()
                    && fields.getLast().endsWith("." + simpleName)) {
                block = true; // the test's header: its outcome table follows
                continue;
            }
            if (!block) {
                continue;
            }
            if (TEST_HEADER.matcher(line).find()) {
                return 0; // the next test's header: this test had no (0, 0) row
            }
            if (fields.size() >= 2
                    && fields.get(0).equals("0,")
                    && fields.get(1).equals("0")) {
                return fields.size() > 2 ? parse(fields.get(2).replace(",", "")) : 0;
            }
        }
        return 0;
    }

    /** The line's fields, split at runs of blanks as awk splits them. */
    private static List<String> fields(String line) {
        List<String> fields = new ArrayList<>();
        for (String field : BLANKS.split(line)) {
            if (!field.isEmpty()) {
                fields.add(field);
            }
        }
        return fields;
    }

    /** A count as jcstress prints it; 0 for anything that is not a number. */
    private static long parse(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
