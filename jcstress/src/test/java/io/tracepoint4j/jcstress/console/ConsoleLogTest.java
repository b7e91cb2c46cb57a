package io.tracepoint4j.jcstress.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ConsoleLog} and {@link ConsoleLogCheck} on real jcstress 0.16 console logs, saved from
 * {@code ./tp jcstress} runs on the 2-core CI machine kind (2026-12-05) in this package's test
 * resources:
 *
 * <ul>
 *   <li>{@code store-buffering-quick.console.txt}: {@code ./tp jcstress -m quick -t
 *       StoreBufferingControl} (one test, 14 runs: split compilation modes, two JVM configurations);
 *   <li>{@code controls-quick.console.txt}: {@code ./tp jcstress -m quick -sc false -jvmArgs
 *       --enable-native-access=ALL-UNNAMED -iters 2 -t 'ReorderedReaderControl|StoreBufferingControl'},
 *       the settings of the quick run of {@code ./tp test} on the two controls (both saw {@code (0, 0)});
 *   <li>{@code no-matching-tests.console.txt}: {@code ./tp jcstress -t NoSuchTestAtAll};
 *   <li>{@code tp-test-quick.console.txt}: the log {@code ./tp test} checks after its quick run of all
 *       25 tests ({@code .tp/jcstress-quick.log}: jcstress's output and the lines {@code ./tp jcstress}
 *       adds), where ReorderedReaderControlTest saw no {@code (0, 0)}.
 * </ul>
 *
 * Cases jcstress does not produce on demand (a control that saw nothing in a long run, a failed
 * test) are these logs with the lines concerned edited, as each test says.
 */
class ConsoleLogTest {

    private static final String JAR = "jcstress/target/jcstress.jar";

    static String fixture(String name) {
        try (InputStream in = ConsoleLogTest.class.getResourceAsStream(name + ".console.txt")) {
            assertThat(in).as("test resource %s.console.txt", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a check printed and returned. */
    record Outcome(int status, String out, String err) {}

    static Outcome check(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = new ConsoleLogCheck(o, e).run(args);
        }
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path write(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.ISO_8859_1);
    }

    /** The controls log with ReorderedReaderControlTest's block left out of the summary, as jcstress
     * leaves out a test that saw no interesting outcome, and the preset mode replaced. */
    static String controlsWithoutReordered(String mode) {
        String log = fixture("controls-quick");
        int start = log.indexOf(
                ".......... [OK] io.tracepoint4j.jcstress.barrier.ReorderedReaderControlTest\n\n  Results across");
        int end = log.indexOf(".......... [OK] io.tracepoint4j.jcstress.barrier.StoreBufferingControlTest", start);
        assertThat(start).isPositive();
        return (log.substring(0, start) + log.substring(end))
                .replace("Test preset mode: \"quick\"", "Test preset mode: \"" + mode + "\"")
                .replace("Interesting tests: 2 matching test results.", "Interesting tests: 1 matching test results.");
    }

    // ---- ConsoleLog ----

    @Test
    void readsTheHeader() {
        ConsoleLog log = ConsoleLog.of(fixture("controls-quick"));
        assertThat(log.presetMode()).contains("quick");
        assertThat(log.selection()).contains("ReorderedReaderControl|StoreBufferingControl");
        assertThat(log.noMatchingTests()).isFalse();
        assertThat(ConsoleLog.of(fixture("no-matching-tests")).presetMode()).contains("default");
        assertThat(ConsoleLog.of(fixture("no-matching-tests")).noMatchingTests())
                .isTrue();
        assertThat(ConsoleLog.of("no header").presetMode()).isEmpty();
        assertThat(ConsoleLog.of("no header").selection()).isEmpty();
    }

    @Test
    void lastResultsIsTheFinalProgressLine() {
        ConsoleLog log = ConsoleLog.of(fixture("store-buffering-quick"));
        assertThat(log.lastResults()).contains(new ConsoleLog.Results("Results: 14 planned; 14 passed", 14, 14));
        assertThat(ConsoleLog.of(fixture("controls-quick")).lastResults())
                .contains(new ConsoleLog.Results("Results: 2 planned; 2 passed", 2, 2));
        assertThat(ConsoleLog.of(fixture("no-matching-tests")).lastResults()).isEmpty();
    }

    @Test
    void progressRedrawnWithCarriageReturnsReadsTheSame() {
        // An interactive console redraws its progress line with \r instead of starting new lines.
        String interactive = fixture("controls-quick").replace("\n(", "\r(");
        ConsoleLog log = ConsoleLog.of(interactive);
        assertThat(log.lastResults()).contains(new ConsoleLog.Results("Results: 2 planned; 2 passed", 2, 2));
        assertThat(log.zeroZero("StoreBufferingControlTest")).isEqualTo(96_654);
    }

    @Test
    void zeroZeroCountsComeFromTheSummaryOnly() {
        ConsoleLog sb = ConsoleLog.of(fixture("store-buffering-quick"));
        // The per-fork tables above RUN RESULTS show other counts (7,327,490 in the first fork).
        assertThat(sb.zeroZero("StoreBufferingControlTest")).isEqualTo(12_970_617);
        assertThat(sb.zeroZero("ReorderedReaderControlTest")).isZero();
        ConsoleLog controls = ConsoleLog.of(fixture("controls-quick"));
        assertThat(controls.zeroZero("ReorderedReaderControlTest")).isEqualTo(1);
        assertThat(controls.zeroZero("StoreBufferingControlTest")).isEqualTo(96_654);
        assertThat(controls.zeroZero("MembarrierStoreBufferingTest")).isZero();
        assertThat(ConsoleLog.of(fixture("no-matching-tests")).zeroZero("StoreBufferingControlTest"))
                .isZero();
    }

    @Test
    void aBlockWithoutAZeroZeroRowEndsAtTheNextTest() {
        // The reordered control's (0, 0) row removed: its block ends at the next test's header, whose
        // (0, 0) row is not its own.
        String log = fixture("controls-quick")
                .replace(
                        "    0, 0        1   <0.01%  Interesting  The reordered reader was caught", "    1, 1  edited");
        assertThat(ConsoleLog.of(log).zeroZero("ReorderedReaderControlTest")).isZero();
        assertThat(ConsoleLog.of(log).zeroZero("StoreBufferingControlTest")).isEqualTo(96_654);
    }

    @Test
    void aTestWhoseNameEndsLikeAnotherIsNotConfused() {
        String log = fixture("controls-quick")
                .replace(
                        "barrier.StoreBufferingControlTest\n\n  Results",
                        "barrier.XStoreBufferingControlTest\n\n  Results");
        assertThat(ConsoleLog.of(log).zeroZero("StoreBufferingControlTest")).isZero();
        assertThat(ConsoleLog.of(log).zeroZero("XStoreBufferingControlTest")).isEqualTo(96_654);
    }

    // ---- count-tests ----

    @Test
    void countTestsCountsTheJctestLinesOfTheTestList(@TempDir Path dir) throws IOException {
        Path jar = dir.resolve("jcstress.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("META-INF/TestList"));
            out.write("JCTEST,a.B,...\nJCTEST,a.C,...\nother\n".getBytes(StandardCharsets.ISO_8859_1));
            out.closeEntry();
        }
        assertThat(check("count-tests", jar.toString())).isEqualTo(new Outcome(0, "2\n", ""));
        Path empty = dir.resolve("empty.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(empty))) {
            out.putNextEntry(new JarEntry("META-INF/other"));
            out.closeEntry();
        }
        assertThat(check("count-tests", empty.toString())).isEqualTo(new Outcome(0, "0\n", ""));
        assertThat(check("count-tests", dir.resolve("missing.jar").toString())).isEqualTo(new Outcome(0, "0\n", ""));
    }

    // ---- check-run: any ./tp jcstress run ----

    @Test
    void checkRunReportsTheControlsItSelected(@TempDir Path dir) throws IOException {
        Path sb = write(dir, "sb", fixture("store-buffering-quick"));
        assertThat(check("check-run", sb.toString()))
                .isEqualTo(new Outcome(0, "tp: control StoreBufferingControlTest saw (0, 0) 12970617 times\n", ""));
        Path controls = write(dir, "controls", fixture("controls-quick"));
        assertThat(check("check-run", controls.toString()))
                .isEqualTo(new Outcome(
                        0,
                        "tp: control StoreBufferingControlTest saw (0, 0) 96654 times\n"
                                + "tp: control ReorderedReaderControlTest saw (0, 0) 1 times\n",
                        ""));
    }

    @Test
    void checkRunFailsWhenNoTestMatched(@TempDir Path dir) throws IOException {
        Path log = write(dir, "none", fixture("no-matching-tests"));
        assertThat(check("check-run", log.toString()))
                .isEqualTo(new Outcome(
                        1,
                        "",
                        "tp: jcstress ran no test: no test name matches the -t REGEX given (./tp jcstress -l lists"
                                + " them)\n"));
    }

    @Test
    void aControlWithoutZeroZeroOnlyReportsInQuickAndSanityRuns(@TempDir Path dir) throws IOException {
        for (String mode : new String[] {"quick", "sanity"}) {
            Path log = write(dir, mode, controlsWithoutReordered(mode));
            assertThat(check("check-run", log.toString()))
                    .isEqualTo(new Outcome(
                            0,
                            "tp: control StoreBufferingControlTest saw (0, 0) 96654 times\n"
                                    + "tp: control ReorderedReaderControlTest saw no (0, 0) in this " + mode
                                    + " run (a smoke test, not evidence)\n",
                            ""));
        }
    }

    @Test
    void aControlWithoutZeroZeroFailsALongerRun(@TempDir Path dir) throws IOException {
        Path log = write(dir, "default", controlsWithoutReordered("default"));
        assertThat(check("check-run", log.toString()))
                .isEqualTo(new Outcome(
                        1,
                        "tp: control StoreBufferingControlTest saw (0, 0) 96654 times\n",
                        "tp: control ReorderedReaderControlTest saw no (0, 0) in this default run: the litmus did not"
                                + " show what it must see, so a zero in MembarrierStoreBufferingTest proves nothing;"
                                + " rerun on a less loaded machine\n"));
    }

    @Test
    void controlsTheSelectionLeftOutAreNotChecked(@TempDir Path dir) throws IOException {
        String other = controlsWithoutReordered("default")
                .replace(
                        "Test selection: \"ReorderedReaderControl|StoreBufferingControl\"",
                        "Test selection: \"gp\\.\"");
        assertThat(check("check-run", write(dir, "gp", other).toString())).isEqualTo(new Outcome(0, "", ""));
        // Java regex, found anywhere in the name, as jcstress matches -t; an invalid one selects nothing.
        assertThat(ConsoleLogCheck.selects(".*", "io.tracepoint4j.jcstress.barrier.StoreBufferingControlTest"))
                .isTrue();
        assertThat(ConsoleLogCheck.selects(
                        "barrier\\.Store", "io.tracepoint4j.jcstress.barrier.StoreBufferingControlTest"))
                .isTrue();
        assertThat(ConsoleLogCheck.selects("(", "x")).isFalse();
        assertThat(ConsoleLogCheck.selects("", "x")).isFalse();
    }

    // ---- check-quick: the quick run of ./tp test ----

    @Test
    void checkQuickPassesWhenEveryTestRanAndPassedAndStoreBufferingShowed(@TempDir Path dir) throws IOException {
        Path log = write(dir, "controls", fixture("controls-quick"));
        assertThat(check("check-quick", log.toString(), "2", JAR))
                .isEqualTo(new Outcome(
                        0,
                        "jcstress: all 2 tests of jcstress/target/jcstress.jar ran and passed\n"
                                + "jcstress: controls saw (0, 0) 96654 times (StoreBufferingControlTest) and 1 times\n"
                                + "  (ReorderedReaderControlTest; often 0 at quick settings). This run is a smoke"
                                + " test; the evidence\n"
                                + "  for the membarrier claim is the long run in jcstress/README.md.\n",
                        ""));
    }

    @Test
    void checkQuickOfTheRealTpTestRun(@TempDir Path dir) throws IOException {
        Path log = write(dir, "all", fixture("tp-test-quick"));
        assertThat(check("check-quick", log.toString(), "25", JAR))
                .isEqualTo(new Outcome(
                        0,
                        "jcstress: all 25 tests of jcstress/target/jcstress.jar ran and passed\n"
                                + "jcstress: controls saw (0, 0) 8562251 times (StoreBufferingControlTest) and 0 times\n"
                                + "  (ReorderedReaderControlTest; often 0 at quick settings). This run is a smoke"
                                + " test; the evidence\n"
                                + "  for the membarrier claim is the long run in jcstress/README.md.\n",
                        ""));
        assertThat(check("check-run", log.toString()))
                .isEqualTo(new Outcome(
                        0,
                        "tp: control StoreBufferingControlTest saw (0, 0) 8562251 times\n"
                                + "tp: control ReorderedReaderControlTest saw no (0, 0) in this quick run (a smoke test,"
                                + " not evidence)\n",
                        ""));
    }

    @Test
    void checkQuickFailsWhenNotEveryTestOfTheJarRan(@TempDir Path dir) throws IOException {
        Path log = write(dir, "controls", fixture("controls-quick"));
        assertThat(check("check-quick", log.toString(), "25", JAR))
                .isEqualTo(new Outcome(
                        1,
                        "",
                        "tp: jcstress Results: 2 planned; 2 passed, but jcstress/target/jcstress.jar holds 25 tests:"
                                + " every test must run and pass\n"));
    }

    @Test
    void checkQuickFailsWhenATestFailed(@TempDir Path dir) throws IOException {
        // The last progress line edited to one failure.
        String failed = fixture("controls-quick")
                .replace(
                        "(Results: 2 planned; 2 passed, 0 failed, 0 soft errs, 0 hard errs)\n\n",
                        "(Results: 2 planned; 1 passed, 1 failed, 0 soft errs, 0 hard errs)\n\n");
        assertThat(failed).contains("1 passed, 1 failed");
        assertThat(check("check-quick", write(dir, "failed", failed).toString(), "2", JAR))
                .isEqualTo(new Outcome(
                        1,
                        "",
                        "tp: jcstress Results: 2 planned; 1 passed, but jcstress/target/jcstress.jar holds 2 tests:"
                                + " every test must run and pass\n"));
    }

    @Test
    void checkQuickFailsWithoutAResultsLineOrWithNoMatchingTests(@TempDir Path dir) throws IOException {
        String header = fixture("controls-quick");
        header = header.substring(0, header.indexOf("  Attached the non-interactive output stream."));
        assertThat(check("check-quick", write(dir, "header", header).toString(), "2", JAR))
                .isEqualTo(new Outcome(
                        1,
                        "",
                        "tp: jcstress printed no 'Results: N planned; N passed' line; it did not run the tests\n"));
        assertThat(check(
                        "check-quick",
                        write(dir, "none", fixture("no-matching-tests")).toString(),
                        "2",
                        JAR))
                .isEqualTo(new Outcome(
                        1,
                        "",
                        "tp: jcstress found no matching tests (\"No matching tests\" above); check"
                                + " JCSTRESS_QUICK_ARGS in tp\n"));
    }

    @Test
    void checkQuickFailsWhenStoreBufferingNeverShowed(@TempDir Path dir) throws IOException {
        String log = fixture("controls-quick")
                .replace("    0, 0   96,654   17.88%  Interesting  Store buffering", "    1, 1   edited");
        assertThat(check("check-quick", write(dir, "nosb", log).toString(), "2", JAR))
                .isEqualTo(new Outcome(
                        1,
                        "jcstress: all 2 tests of jcstress/target/jcstress.jar ran and passed\n",
                        "tp: StoreBufferingControlTest saw no (0, 0): the harness did not observe store buffering,"
                                + " so the membarrier test's zero proves nothing; rerun on an idle machine\n"));
    }

    @Test
    void usageErrors() {
        assertThat(check().status()).isEqualTo(2);
        assertThat(check("check-run").status()).isEqualTo(2);
        assertThat(check("check-quick", "log", "many", JAR).status()).isEqualTo(2);
        assertThat(check("check-run", "/nonexistent/console.log").status()).isEqualTo(1);
    }
}
