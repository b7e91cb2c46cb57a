package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import io.tracepoint4j.testkit.Babeltrace;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tp record --pid PID}: a real JVM, started with no flag, is recorded with a filter into a
 * trace babeltrace2 reads; the target prints nothing; and when the tool is killed with SIGKILL the
 * target stops the session by itself, leaving a readable trace and no socket.
 */
@Timeout(180)
class RecordCommandTest {
    private static Process target;

    @BeforeAll
    static void startTarget() throws Exception {
        target = TargetProcesses.start(RecordTarget.class);
        assertThat(TargetProcesses.firstLine(target)).isEqualTo("ready firing");
    }

    @AfterAll
    static void stopTarget() throws Exception {
        assertThat(TargetProcesses.stop(target))
                .as("what the target printed after 'ready'")
                .isEmpty();
    }

    private static List<CtfEvent> events(Path folder) throws Exception {
        List<CtfEvent> events = new ArrayList<>();
        try (CtfReader reader = CtfReader.open(folder)) {
            for (CtfEvent event : reader) {
                if (!event.name().equals(EventLines.THREAD_EVENT)) {
                    events.add(event);
                }
            }
        }
        return events;
    }

    @Test
    void recordsARunningJvmWithAFilterIntoATraceBabeltraceReads(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("trace");
        TpCommand command = TpCommand.run(
                "record",
                "--pid",
                Long.toString(target.pid()),
                "-e",
                "rt:*",
                "--filter",
                "route == \"/even\"",
                "--duration",
                "1",
                "-o",
                folder.toString());
        assertThat(command.status()).as(command.err()).isZero();
        List<String> lines = command.out().lines().toList();
        assertThat(lines.getFirst()).startsWith("recording rt:* if route == \"/even\" in PID " + target.pid());
        List<CtfEvent> events = events(folder);
        assertThat(events)
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e.field("route")).isEqualTo("/even"));
        assertThat(lines.getLast()).isEqualTo("events recorded: " + events.size() + ", lost: 0");
        Babeltrace.Run run = Babeltrace.run(folder).clean();
        assertThat(run.stdout().stream().filter(l -> l.contains("rt:request"))).hasSize(events.size());
        assertThat(Files.exists(socketOf(target.pid())))
                .as("the socket is gone with the last connection")
                .isFalse();
    }

    /**
     * --progress: a line a second on stderr (one each when not on a terminal) with the events written
     * so far, the losses, the bytes written and the rates; the events never decrease, and the last
     * line's are at most the events recorded in the end; stdout holds the results alone.
     */
    @Test
    void progressShowsTheEventsAndBytesWrittenEachSecond(@TempDir Path dir) {
        TpCommand command = TpCommand.run(
                "record",
                "--pid",
                Long.toString(target.pid()),
                "-e",
                "rt:*",
                "--duration",
                "2.5",
                "--progress",
                "-o",
                dir.resolve("progress").toString());
        assertThat(command.status()).as(command.err()).isZero();
        Pattern line =
                Pattern.compile("([0-9,]+) events, 0 lost, [0-9,.]+ MB written, [0-9,.]+ MB/s, [0-9,]+ events/s");
        List<Long> events = new ArrayList<>();
        for (String shown : command.err().lines().toList()) {
            Matcher progress = line.matcher(shown);
            assertThat(progress.matches()).as("a progress line: %s", shown).isTrue();
            events.add(Long.parseLong(progress.group(1).replace(",", "")));
        }
        assertThat(events).as(command.err()).hasSizeGreaterThanOrEqualTo(2).isSorted();
        assertThat(command.out()).doesNotContain(" events/s");
        assertThat(events.getLast()).as("events written after two seconds").isPositive();
        String last = command.out().lines().toList().getLast();
        assertThat(last).startsWith("events recorded: ");
        assertThat(Long.parseLong(last.substring("events recorded: ".length(), last.indexOf(','))))
                .isGreaterThanOrEqualTo(events.getLast());
        TpCommand flightRecorder = TpCommand.run(
                "record",
                "--pid",
                target.pid(),
                "-e",
                "rt:*",
                "--mode",
                "overwrite",
                "--buffer-size",
                "512k", // about 3 s of the target's firings (some 5,000 a second, 30 bytes each)
                "--duration",
                "6",
                "--progress",
                "-o",
                dir.resolve("overwrite"));
        assertThat(flightRecorder.status()).as(flightRecorder.err()).isZero();
        assertThat(flightRecorder.err().strip())
                .as("one line, instead of a line of zeros each second (it writes at the end)")
                .isEqualTo("tp record: no progress to show: a flight recorder (--mode overwrite) keeps the newest"
                        + " events in its buffers and writes them when the recording ends");
        assertThat(flightRecorder.out())
                .containsPattern("the flight recorder overwrote its \\d+ oldest packets? to keep the newest, or gave"
                        + " them to snapshots taken meanwhile \\(not counted as lost\\)");
    }

    /** tp record -- java ...: the command is started, recorded until it exits (status 0), and summed up. */
    @Test
    void recordsACommandItStartsUntilItExits(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("command");
        TpCommand command = TpCommand.run(
                "record",
                "-e",
                "st:*",
                "-o",
                folder.toString(),
                "--",
                TargetProcesses.java(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                ShortTarget.class.getName());
        assertThat(command.status()).as(command.err()).isZero(); // a command's exit is the recording's end
        List<CtfEvent> events = events(folder);
        assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(e.name()).isEqualTo("st:tick"));
        assertThat(command.out().lines().toList().getLast())
                .isEqualTo("events recorded: " + events.size() + ", lost: 0");
        TpCommand both = TpCommand.run("record", "--pid", "1", "-e", "x", "--", "java");
        assertThat(both.status()).isEqualTo(2);
        assertThat(both.err()).contains("give --pid PID or a command after --", "not both");
        TpCommand stray = TpCommand.run("record", "--pid", "1", "-e", "x", "extra");
        assertThat(stray.status()).isEqualTo(2);
        assertThat(stray.err()).contains("unexpected argument 'extra' (a command to start goes after --)");
        TpCommand strayAlone = TpCommand.run("record", "-e", "x", "sleep", "1");
        assertThat(strayAlone.status()).as("a command without --").isEqualTo(2);
        assertThat(strayAlone.err()).contains("unexpected argument 'sleep 1' (a command to start goes after --)");
        TpCommand neither = TpCommand.run("record", "-e", "x");
        assertThat(neither.status()).isEqualTo(2);
        assertThat(neither.err())
                .contains("give the JVM to attach to, --pid PID, or a command")
                .doesNotContain("both");
    }

    /**
     * Option values tp can check itself are usage errors (exit status 2), before it attaches: a
     * buffer size that is no size, not a power of two from 512k, or more than the target's
     * session can hold (it used to fail in the target, in the library's terms), globs that are all
     * empty (-e ',' leaked the target's own message), and an unknown mode.
     */
    @Test
    void badBufferSizesAndModesAreUsageErrors() {
        for (String size : new String[] {"abc", "3M", "-2M", "1G", "256k"}) {
            TpCommand bad = TpCommand.run("record", "--pid", target.pid(), "-e", "rt:*", "--buffer-size", size);
            assertThat(bad.status()).as(size).isEqualTo(2);
            assertThat(bad.err()).as(size).contains("--buffer-size " + size + ": ");
        }
        TpCommand largest = TpCommand.run("record", "--pid", target.pid(), "-e", "rt:*", "--buffer-size", "1G");
        assertThat(largest.err()).contains("from 512k to 256M");
        for (String globs : new String[] {",", ""}) {
            TpCommand none = TpCommand.run("record", "--pid", target.pid(), "-e", globs);
            assertThat(none.status()).as("-e '%s'", globs).isEqualTo(2);
            assertThat(none.err()).contains("-e needs a tracepoint name or glob");
        }
        TpCommand mode = TpCommand.run("record", "--pid", target.pid(), "-e", "rt:*", "--mode", "bogus");
        assertThat(mode.status()).isEqualTo(2);
        assertThat(mode.err()).contains("--mode bogus: use discard or overwrite");
    }

    /** A filter the target's tracepoints do not fit: its error, with the caret, and nothing recorded. */
    @Test
    void aFilterThatDoesNotFitIsRefusedWithItsPosition(@TempDir Path dir) {
        TpCommand refused = TpCommand.run(
                "record",
                "--pid",
                Long.toString(target.pid()),
                "-e",
                "rt:*",
                "--filter",
                "id == 1 && status == 404",
                "--duration",
                "1",
                "-o",
                dir.resolve("refused").toString());
        assertThat(refused.status())
                .as("a filter the target refuses: a usage error")
                .isEqualTo(2);
        assertThat(refused.err())
                .contains("tp record: PID " + target.pid() + ": filter \"id == 1 && status == 404\": unknown argument"
                        + " status: tracepoint rt:request has [id, route]")
                .contains("\n  id == 1 && status == 404\n             ^");
    }

    /** tp stat: counted in the target, with the filter; the counting probes are gone afterwards. */
    @Test
    void statCountsTheFiringsTheFilterAccepts() {
        TpCommand stat = TpCommand.run(
                "stat",
                "--pid",
                Long.toString(target.pid()),
                "-e",
                "rt:*",
                "--filter",
                "route == \"/odd\"",
                "--duration",
                "1");
        assertThat(stat.status()).as(stat.err()).isZero();
        List<String> lines = stat.out().lines().toList();
        assertThat(lines.getFirst()).startsWith("counting rt:* if route == \"/odd\" in PID " + target.pid());
        assertThat(lines).anySatisfy(line -> assertThat(line).matches(" *[0-9,]+ +[0-9,.]+  rt:request"));
        long counted = lines.stream()
                .filter(line -> line.endsWith("  rt:request"))
                .mapToLong(line -> Long.parseLong(line.strip().split(" +")[0].replace(",", "")))
                .sum();
        assertThat(counted)
                .as("a firing every 100 us, half of them odd, for 1 s")
                .isPositive();
        TpCommand list = TpCommand.run("list", "--pid", Long.toString(target.pid()), "rt:*");
        assertThat(list.out()).as("the counting probe is detached").contains("rt:request regular disabled 0 probes");
    }

    /**
     * tp stat -- java ...: a glob that matches nothing when tp attaches is not refused for a command
     * it started, and the tracepoint the command defines later is counted, every firing.
     */
    @Test
    void statCountsATracepointTheCommandDefinesLater(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        TpCommand.Running stat = TpCommand.start(
                "counting",
                "stat",
                "-e",
                "late:tick",
                "--",
                TargetProcesses.java(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                LateTarget.class.getName(),
                go);
        assertThat(stat.out())
                .startsWith("counting late:tick in PID ")
                .contains("(no tracepoint yet; those defined later are counted)");
        java.nio.file.Files.createFile(go);
        TpCommand ended = stat.end();
        assertThat(ended.status()).as(ended.err()).isZero();
        assertThat(ended.out().lines()).anySatisfy(line -> assertThat(line).matches(" +100 +[0-9,.]+  late:tick"));
    }

    /** tp stat -- java ... whose command never defines a tracepoint of the glob: said, status 0. */
    @Test
    void statOfACommandThatNeverDefinesTheGlobSaysSo() {
        TpCommand stat = TpCommand.run(
                "stat",
                "-e",
                "nomatch:*",
                "--",
                TargetProcesses.java(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                ShortTarget.class.getName());
        assertThat(stat.status()).as(stat.err()).isZero();
        assertThat(stat.out()).contains("no tracepoint matching nomatch:* was defined");
    }

    /**
     * A --pid target that exits while tp stat counts: its final counts, sent as it exits, are shown
     * and said to be those at its exit; one killed with SIGKILL sends none, and the counts of the
     * last second are shown, saying so.
     */
    @Test
    void statOfATargetThatExitsShowsItsCountsAtItsExitOrSaysTheyAreOld() throws Exception {
        for (boolean killed : new boolean[] {false, true}) {
            Process exiting = TargetProcesses.start(RecordTarget.class);
            assertThat(TargetProcesses.firstLine(exiting)).startsWith("ready");
            TpCommand.Running stat = TpCommand.start("counting", "stat", "--pid", exiting.pid(), "-e", "rt:*");
            Thread.sleep(1_500); // a poll or two
            if (killed) {
                exiting.destroyForcibly().waitFor();
            } else {
                TargetProcesses.stop(exiting); // its shutdown hooks run
            }
            TpCommand ended = stat.end();
            assertThat(ended.status()).as("killed %s: %s", killed, ended.err()).isZero();
            assertThat(ended.out())
                    .as("killed %s", killed)
                    .contains(
                            killed
                                    ? "PID " + exiting.pid()
                                            + " exited without its final counts; as of the last second:"
                                    : "PID " + exiting.pid() + " exited; its counts at its exit:")
                    .containsPattern(" +[0-9,]+ +[0-9,.]+  rt:request");
        }
    }

    /**
     * A tool that fails after it started its command (-- java ...) stops it, and says so: it used to
     * run on, orphaned, on the tool's terminal.
     */
    @Test
    void aToolThatFailsStopsTheCommandItStarted(@TempDir Path dir) {
        TpCommand refused = TpCommand.run(
                "hist",
                "-e",
                "late:ready",
                "--field",
                "nope",
                "--",
                TargetProcesses.java(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                LateTarget.class.getName(),
                dir.resolve("never").toString()); // it would wait 60 s for this file
        assertThat(refused.status())
                .as("a field the target refuses: a usage error")
                .isEqualTo(2);
        java.util.regex.Matcher stopped = java.util.regex.Pattern.compile(
                        "tp hist: stopped PID (\\d+), the command it started")
                .matcher(refused.err());
        assertThat(stopped.find()).as(refused.err()).isTrue();
        assertThat(refused.err()).contains("has no argument nope");
        assertThat(ProcessHandle.of(Long.parseLong(stopped.group(1))))
                .as("the command")
                .isEmpty();
    }

    /**
     * The trace's folder removed while recording: the tool says so, ends with its summary line
     * (nothing recorded that can be read, the events written there counted lost) and exits 1. It
     * used to end with a message about a missing metadata file and no summary, then with "lost: 0"
     * though thousands of events had been written into the removed files (a black-box test).
     */
    @Test
    void aTraceFolderRemovedWhileRecordingIsSaidAndSummedUp(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("removed");
        TpCommand.Running record = TpCommand.start(
                "recording", "record", "--pid", target.pid(), "-e", "rt:*", "-o", folder, "--duration", "2");
        Thread.sleep(300);
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(folder)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(file);
            }
        }
        TpCommand ended = record.end();
        assertThat(ended.status()).as(ended.err()).isEqualTo(1);
        long written = writtenThere(ended, folder);
        assertThat(written).as("the target fires about every 100 us").isPositive();
        assertThat(lost(ended)).as("written there, and gone: lost").isGreaterThanOrEqualTo(written);
    }

    /**
     * The same for a folder moved while recording: the events are where it went, and the summary,
     * which counts what is in the folder it was given, counts them lost (it said "what was written
     * there is gone" and "lost: 0", found by a black-box test).
     */
    @Test
    void aTraceFolderMovedWhileRecordingIsSaidAndTheMovedTraceHoldsWhatItCountedLost(@TempDir Path dir)
            throws Exception {
        Path folder = dir.resolve("moved");
        Path elsewhere = dir.resolve("elsewhere");
        TpCommand.Running record = TpCommand.start(
                "recording", "record", "--pid", target.pid(), "-e", "rt:*", "-o", folder, "--duration", "2");
        Thread.sleep(300);
        java.nio.file.Files.move(folder, elsewhere);
        TpCommand ended = record.end();
        assertThat(ended.status()).as(ended.err()).isEqualTo(1);
        long written = writtenThere(ended, folder);
        long inTheMovedTrace;
        try (CtfReader reader = CtfReader.open(elsewhere)) {
            inTheMovedTrace = java.util.stream.StreamSupport.stream(reader.spliterator(), false)
                    .filter(e -> e.name().equals("rt:request"))
                    .count();
        }
        assertThat(inTheMovedTrace)
                .as("the events the tool said were written there")
                .isEqualTo(written);
        assertThat(lost(ended)).isEqualTo(written); // the session itself lost nothing
    }

    /** The events the summary of {@code ended} said were written into {@code folder}, gone from it. */
    private static long writtenThere(TpCommand ended, Path folder) {
        java.util.regex.Matcher said = java.util.regex.Pattern.compile("tp record: the trace's folder "
                        + java.util.regex.Pattern.quote(folder.toString())
                        + " was removed or moved while recording: the (\\d+) events written there are not in it")
                .matcher(ended.err());
        assertThat(said.find()).as(ended.err()).isTrue();
        return Long.parseLong(said.group(1));
    }

    /** M of the summary's last line, which says nothing was recorded in the folder. */
    private static long lost(TpCommand ended) {
        String last = ended.out().lines().toList().getLast();
        assertThat(last).startsWith("events recorded: 0, lost: ");
        return Long.parseLong(last.substring("events recorded: 0, lost: ".length()));
    }

    /**
     * A glob that matches nothing now is named in a warning even beside others that match (a typo
     * in a list used to pass unsaid), by record and stat; one that can match no name is refused.
     */
    @Test
    void aGlobThatMatchesNothingNowIsNamed(@TempDir Path dir) {
        TpCommand command = TpCommand.run(
                "record",
                "--pid",
                Long.toString(target.pid()),
                "-e",
                "rt:*,nomatch:x",
                "-o",
                dir.resolve("typo").toString(),
                "--duration",
                "0.5");
        assertThat(command.status()).as(command.err()).isZero();
        assertThat(command.err())
                .contains("tp record: no tracepoint of PID " + target.pid() + " matches nomatch:x now;")
                .doesNotContain("rt:*");
        TpCommand stat = TpCommand.run(
                "stat", "--pid", Long.toString(target.pid()), "-e", "rt:*,nomatch:x", "--duration", "0.5");
        assertThat(stat.status()).as(stat.err()).isZero();
        assertThat(stat.err())
                .as("stat names it too")
                .contains("tp stat: no tracepoint of PID " + target.pid() + " matches nomatch:x now;")
                .doesNotContain("rt:*");
        TpCommand impossible = TpCommand.run(
                "record",
                "--pid",
                Long.toString(target.pid()),
                "-e",
                ":",
                "-o",
                dir.resolve("colon").toString());
        assertThat(impossible.status()).isEqualTo(2);
        assertThat(impossible.err()).contains("glob \":\" matches no tracepoint");
    }

    /** tp hist: made in the target, of one argument, with the filter; drawn with its percentiles. */
    @Test
    void histDrawsOneArgumentsDistribution() {
        TpCommand command = TpCommand.run(
                "hist",
                "--pid",
                Long.toString(target.pid()),
                "-e",
                "rt:request",
                "--field",
                "id",
                "--filter",
                "route == \"/even\"",
                "--duration",
                "1");
        assertThat(command.status()).as(command.err()).isZero();
        String text = command.out();
        assertThat(text).startsWith("histogram of rt:request id if route == \"/even\" in PID " + target.pid());
        assertThat(text).containsPattern("count [0-9,]+  min [0-9,]+  max [0-9,]+  mean [0-9,.]+");
        assertThat(text).containsPattern("\\[[0-9]+[KMG]?, [0-9]+[KMG]?\\) +[0-9,]+ \\|@+ *\\|");
        assertThat(text).contains("p50   < ", "p99.9 < ");
        TpCommand missing = TpCommand.run(
                "hist",
                "--pid",
                Long.toString(target.pid()),
                "-e",
                "rt:request",
                "--field",
                "route",
                "--duration",
                "1");
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err()).contains("route is String: a histogram needs a number");
    }

    /**
     * A glob that matches nothing now (a typo, or tracepoints of a class not loaded yet), the one
     * rule of record, stat and hist: the command runs, as those defined later would be attached, a
     * warning on stderr says so, and the status is 0. record used to run its whole duration in
     * silence, and stat and hist refused it with status 1.
     */
    @Test
    void aGlobThatMatchesNothingNowIsAttachedLaterWithAWarning(@TempDir Path dir) throws Exception {
        TpCommand command = TpCommand.run(
                "record", "--pid", target.pid(), "-e", "rt:requst", "--duration", "0.3", "-o", dir.resolve("typo"));
        assertThat(command.status()).as(command.err()).isZero();
        assertThat(command.err().strip())
                .isEqualTo("tp record: no tracepoint of PID " + target.pid() + " matches rt:requst now; those"
                        + " defined later will be recorded (./tp list --pid " + target.pid() + " lists them)");
        assertThat(command.out().lines().toList().getLast()).isEqualTo("events recorded: 0, lost: 0");
        TpCommand stat = TpCommand.run("stat", "--pid", target.pid(), "-e", "rt:requst", "--duration", "0.3");
        assertThat(stat.status()).as(stat.err()).isZero();
        assertThat(stat.err().strip())
                .isEqualTo("tp stat: no tracepoint of PID " + target.pid() + " matches rt:requst now; those"
                        + " defined later will be counted (./tp list --pid " + target.pid() + " lists them)");
        assertThat(stat.out()).contains("no tracepoint matching rt:requst was defined");
        TpCommand hist =
                TpCommand.run("hist", "--pid", target.pid(), "-e", "rt:requst", "--field", "id", "--duration", "0.3");
        assertThat(hist.status()).as(hist.err()).isZero();
        assertThat(hist.err().strip())
                .isEqualTo("tp hist: no tracepoint of PID " + target.pid() + " matches rt:requst now; the first"
                        + " defined later will be measured (./tp list --pid " + target.pid() + " lists them)");
        assertThat(hist.out()).contains("no tracepoint matching rt:requst was defined");
    }

    /** SIGKILL of the tool mid-record: the target notices the closed socket and stops the session. */
    @Test
    void aKilledToolLeavesTheTargetRunningAndItsTraceReadable(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("killed");
        Process tool = new ProcessBuilder(
                        TargetProcesses.java(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Tp.class.getName(),
                        "record",
                        "--pid",
                        Long.toString(target.pid()),
                        "-e",
                        "rt:request",
                        "-o",
                        folder.toString())
                .redirectErrorStream(true)
                .start();
        BufferedReader toolOutput =
                new BufferedReader(new InputStreamReader(tool.getInputStream(), StandardCharsets.UTF_8));
        assertThat(toolOutput.readLine()).startsWith("recording rt:request in PID " + target.pid());
        Thread.sleep(500);
        tool.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(tool.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Path socket = socketOf(target.pid());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Files.exists(socket) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(Files.exists(socket)).as("the target closed its socket").isFalse();
        assertThat(target.isAlive()).isTrue();
        assertThat(events(folder))
                .as("the session the target stopped by itself")
                .isNotEmpty();
        Babeltrace.Run run = Babeltrace.run(folder);
        assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isZero();
    }

    private static Path socketOf(long pid) {
        return Path.of(
                System.getProperty("java.io.tmpdir"), "tracepoint4j-" + System.getProperty("user.name"), pid + ".sock");
    }

    /**
     * Without -o, each recording makes its own new folder, yours alone: two started in the same
     * second get tp-record-PID-DATE-TIME and the same with -2, not one folder for both.
     */
    @Test
    void recordingsWithoutAFolderEachMakeTheirOwn(@TempDir Path dir) throws Exception {
        java.time.LocalDateTime now = java.time.LocalDateTime.of(2026, 12, 7, 2, 30, 5);
        Path first = RecordCommand.newDefaultFolder(dir, 42, now);
        Path second = RecordCommand.newDefaultFolder(dir, 42, now);
        assertThat(first).isEqualTo(dir.resolve("tp-record-42-20261207-023005"));
        assertThat(second).isEqualTo(dir.resolve("tp-record-42-20261207-023005-2"));
        assertThat(first).isEmptyDirectory();
        assertThat(second).isEmptyDirectory();
        assertThat(java.nio.file.Files.getPosixFilePermissions(second))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }

    /**
     * The target's disk fills up while it records (a file size limit): the command says so on
     * stderr and exits 1, and still ends with the summary, N the events in the trace (what
     * babeltrace2 reads) and M counting those not written as lost.
     */
    @Test
    void aDiskThatFillsUpIsSaidAndTheSummaryStillEnds(@TempDir Path dir) throws Exception {
        Process full = TargetProcesses.startWithFileSizeLimit(200, RecordTarget.class);
        assertThat(TargetProcesses.firstLine(full)).isEqualTo("ready firing");
        Path folder = dir.resolve("full");
        try {
            TpCommand command = TpCommand.run(
                    "record",
                    "--pid",
                    full.pid(),
                    "-e",
                    "rt:*",
                    "--buffer-size",
                    "512k",
                    "--duration",
                    "3",
                    "-o",
                    folder);

            assertThat(command.status()).as(command.out() + command.err()).isEqualTo(1);
            String session = "tp record: PID " + full.pid() + ": session tp-" + full.pid() + "-\\d+";
            assertThat(command.err())
                    .as("said as it failed (a note), and at the stop")
                    .containsPattern(session + ": cannot write the trace in " + Pattern.quote(folder.toString()))
                    .containsPattern(session + ": the trace in " + Pattern.quote(folder.toString())
                            + " could not be written completely: ")
                    .contains("File too large");
            String last = command.out().lines().toList().getLast();
            Matcher summary =
                    Pattern.compile("events recorded: (\\d+), lost: (\\d+)").matcher(last);
            assertThat(summary.matches()).as(command.out()).isTrue();
            assertThat(Long.parseLong(summary.group(1)))
                    .isPositive()
                    .isEqualTo(events(folder).size());
            assertThat(Long.parseLong(summary.group(2)))
                    .as("the events not written")
                    .isPositive();
            Babeltrace.Run run = Babeltrace.run(folder);
            assertThat(run.exitCode()).as(run.stderr()).isZero();
        } finally {
            TargetProcesses.stop(full);
        }
    }
}
