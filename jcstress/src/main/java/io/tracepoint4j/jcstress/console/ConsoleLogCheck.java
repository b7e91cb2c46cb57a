package io.tracepoint4j.jcstress.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.zip.ZipEntry;

/**
 * The checks {@code ./tp} makes on jcstress runs, run by it from {@code jcstress.jar}:
 *
 * <pre>
 * java -cp jcstress.jar io.tracepoint4j.jcstress.console.ConsoleLogCheck count-tests JAR
 * java -cp jcstress.jar io.tracepoint4j.jcstress.console.ConsoleLogCheck check-run LOG
 * java -cp jcstress.jar io.tracepoint4j.jcstress.console.ConsoleLogCheck check-quick LOG EXPECTED JAR_NAME
 * </pre>
 *
 * <ul>
 *   <li>{@code count-tests}: prints how many tests {@code JAR} holds (its {@code META-INF/TestList} has
 *       one {@code JCTEST} line per test); 0 when the list is missing.
 *   <li>{@code check-run}, after any {@code ./tp jcstress} run: jcstress exits 0 when {@code -t}
 *       matches nothing, and a control test that never saw {@code (0, 0)} in a full-length run means
 *       the membarrier test's zero proves nothing. Quick and sanity runs are too short for {@code
 *       ReorderedReaderControlTest}, so they only report.
 *   <li>{@code check-quick}, after the quick run of {@code ./tp test}: every one of the {@code
 *       EXPECTED} tests of {@code JAR_NAME} (the name printed) ran and passed, and {@code
 *       StoreBufferingControlTest} saw {@code (0, 0)}; prints both controls' counts.
 * </ul>
 *
 * <p>Lines for the user go to standard output, errors to standard error prefixed {@code tp: }, as
 * {@code ./tp} prints its own. Exit status: 0 when the check passes, 1 when it fails, 2 for a usage
 * error.
 */
public final class ConsoleLogCheck {

    static final List<String> CONTROLS = List.of("StoreBufferingControlTest", "ReorderedReaderControlTest");

    private final PrintStream out;
    private final PrintStream err;

    ConsoleLogCheck(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        int status = new ConsoleLogCheck(System.out, System.err).run(args);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    int run(String... args) {
        try {
            return switch (args.length > 0 ? args[0] : "") {
                case "count-tests" -> {
                    if (args.length != 2) {
                        yield usage();
                    }
                    say(Long.toString(testCount(Path.of(args[1]))));
                    yield 0;
                }
                case "check-run" -> args.length == 2 ? checkRun(read(Path.of(args[1]))) : usage();
                case "check-quick" -> {
                    if (args.length != 4 || !args[2].matches("[0-9]{1,18}")) {
                        yield usage();
                    }
                    yield checkQuick(read(Path.of(args[1])), Long.parseLong(args[2]), args[3]);
                }
                default -> usage();
            };
        } catch (IOException e) {
            error("cannot read the jcstress console log: " + e);
            return 1;
        }
    }

    private int usage() {
        err.println("usage: ConsoleLogCheck count-tests JAR | check-run LOG | check-quick LOG EXPECTED JAR_NAME");
        return 2;
    }

    private static ConsoleLog read(Path log) throws IOException {
        // ISO-8859-1 maps every byte to a char: a log cut mid-character still reads.
        return ConsoleLog.of(Files.readString(log, StandardCharsets.ISO_8859_1));
    }

    /** The number of tests {@code jar} holds: the {@code JCTEST} lines of its test list; 0 without one. */
    static long testCount(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            ZipEntry list = file.getEntry("META-INF/TestList");
            if (list == null) {
                return 0;
            }
            try (InputStream in = file.getInputStream(list)) {
                return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)
                        .lines()
                        .filter(line -> line.startsWith("JCTEST"))
                        .count();
            }
        } catch (IOException e) {
            return 0;
        }
    }

    /** The check of any {@code ./tp jcstress} run (see the class comment). */
    int checkRun(ConsoleLog log) {
        if (log.noMatchingTests()) {
            error("jcstress ran no test: no test name matches the -t REGEX given (./tp jcstress -l lists them)");
            return 1;
        }
        String mode = log.presetMode().orElse("");
        String selection = log.selection().orElse("");
        for (String test : CONTROLS) {
            // jcstress details only tests with an interesting outcome, so whether a control ran comes
            // from the -t REGEX: jcstress's Java regex, found anywhere in the test's name.
            if (!selects(selection, ConsoleLog.BARRIER_PACKAGE + test)) {
                continue;
            }
            long count = log.zeroZero(test);
            if (count > 0) {
                say("tp: control " + test + " saw (0, 0) " + count + " times");
            } else if (mode.equals("quick") || mode.equals("sanity")) {
                say("tp: control " + test + " saw no (0, 0) in this " + mode + " run (a smoke test, not evidence)");
            } else {
                error("control " + test + " saw no (0, 0) in this " + mode + " run: the litmus did not show what it"
                        + " must see, so a zero in MembarrierStoreBufferingTest proves nothing; rerun on a less"
                        + " loaded machine");
                return 1;
            }
        }
        return 0;
    }

    /** Whether jcstress's -t {@code selection} selects test {@code name}; no for an invalid regex. */
    static boolean selects(String selection, String name) {
        if (selection.isEmpty()) {
            return false;
        }
        try {
            return Pattern.compile(selection).matcher(name).find();
        } catch (PatternSyntaxException e) {
            return false;
        }
    }

    /** The check of the quick run of {@code ./tp test} (see the class comment). */
    int checkQuick(ConsoleLog log, long expected, String jarName) {
        if (log.noMatchingTests()) {
            error("jcstress found no matching tests (\"No matching tests\" above); check JCSTRESS_QUICK_ARGS in tp");
            return 1;
        }
        ConsoleLog.Results results = log.lastResults().orElse(null);
        if (results == null) {
            error("jcstress printed no 'Results: N planned; N passed' line; it did not run the tests");
            return 1;
        }
        if (results.planned() != expected || results.passed() != expected) {
            error("jcstress " + results.text() + ", but " + jarName + " holds " + expected
                    + " tests: every test must run and pass");
            return 1;
        }
        say("jcstress: all " + expected + " tests of " + jarName + " ran and passed");
        long storeBuffering = log.zeroZero("StoreBufferingControlTest");
        long reordered = log.zeroZero("ReorderedReaderControlTest");
        if (storeBuffering == 0) {
            error("StoreBufferingControlTest saw no (0, 0): the harness did not observe store buffering, so the"
                    + " membarrier test's zero proves nothing; rerun on an idle machine");
            return 1;
        }
        say("jcstress: controls saw (0, 0) " + storeBuffering + " times (StoreBufferingControlTest) and " + reordered
                + " times");
        say("  (ReorderedReaderControlTest; often 0 at quick settings). This run is a smoke test; the evidence");
        say("  for the membarrier claim is the long run in jcstress/README.md.");
        return 0;
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }

    private void error(String line) {
        out.flush();
        err.println("tp: " + line);
        err.flush();
    }
}
