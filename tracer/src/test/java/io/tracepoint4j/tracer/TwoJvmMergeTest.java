package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ctf.CtfTrace;
import io.tracepoint4j.rcu.Srcu;
import io.tracepoint4j.ringbuffer.Clock;
import io.tracepoint4j.testkit.Babeltrace;
import io.tracepoint4j.testkit.ForkedJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces of two JVMs recorded at the same time merge on one timeline: {@code babeltrace2 DIR1 DIR2}
 * succeeds and interleaves their events by time.
 *
 * <p>Two JVMs ({@link TwoJvmMergeMain}) record a session each, both running for the whole exchange,
 * on the default clock with native access (the time-stamp counter here; each JVM measures its
 * frequency and places it on the wall clock by itself). This test makes them fire in turns, for
 * about a second ({@value #EVENTS} events): event {@code seq} in JVM {@code seq % 2}, the next one
 * only after the previous firing has returned and 3 ms have passed. The true order of the events is
 * therefore the order of {@code seq}, across the two JVMs; the merged output must show exactly that
 * order, which it does only if the two traces' clocks agree within those 3 ms (a clock off by more
 * puts its events in the wrong places, and a clock off by a second puts them in one block): a
 * control with one trace's clock moved by 10 ms shows the check failing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class TwoJvmMergeTest {
    /** Events in all, 3 ms apart and more: the two JVMs record for a second at least. */
    private static final int EVENTS = 300;

    private static final long GAP_MILLIS = 3;
    private static final Pattern TICK = Pattern.compile(
            "\\[([0-9]+)\\.([0-9]{9})\\] .* twojvm:tick: \\{ tid = [0-9]+, jvm = ([01]), seq = ([0-9]+) \\}");

    /** A forked JVM: its stdin, and every line it printed so far (stdout and stderr). */
    static final class Fork implements AutoCloseable {
        final int index;
        final Process process;
        final PrintWriter in;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final List<String> transcript = Collections.synchronizedList(new ArrayList<>());

        Fork(int index, Path folder) throws IOException {
            this.index = index;
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("--enable-native-access=ALL-UNNAMED"); // the time-stamp counter, as in production
            command.add("-ea");
            command.add("-cp");
            command.add(String.join(
                    java.io.File.pathSeparator,
                    ForkedJvm.location(TwoJvmMergeMain.class), // this module's test classes
                    ForkedJvm.location(Session.class),
                    ForkedJvm.location(Tracepoint.class),
                    ForkedJvm.location(Srcu.class),
                    ForkedJvm.location(Clock.class),
                    ForkedJvm.location(CtfTrace.class)));
            command.add(TwoJvmMergeMain.class.getName());
            command.add(Integer.toString(index));
            command.add(folder.toString());
            this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
            this.in = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
            Thread.ofPlatform().daemon().name("jvm" + index + "-output").start(() -> {
                try (BufferedReader out =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        transcript.add(line);
                        lines.add(line);
                    }
                } catch (IOException e) {
                    transcript.add("(output unreadable: " + e + ")");
                }
            });
        }

        /** The next line the JVM printed; fails, with everything it printed, after 30 s. */
        String next(String expecting) throws InterruptedException {
            String line = lines.poll(30, TimeUnit.SECONDS);
            assertThat(line)
                    .as("JVM %d: no line (expecting %s) in 30 s; it printed:%n%s", index, expecting, transcript())
                    .isNotNull();
            return line;
        }

        String transcript() {
            synchronized (transcript) {
                return String.join("\n", transcript);
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    @Test
    void twoJvmsRecordingAtOnceMergeOnOneTimelineInTheOrderTheirEventsHappened(@TempDir Path dir) throws Exception {
        Path[] folders = {dir.resolve("jvm0"), dir.resolve("jvm1")};
        long[] fired = new long[2];
        try (Fork jvm0 = new Fork(0, folders[0]);
                Fork jvm1 = new Fork(1, folders[1])) {
            Fork[] forks = {jvm0, jvm1};
            // Both started before either is waited for: they start up, then record, at the same time.
            for (Fork fork : forks) {
                assertThat(fork.next("ready"))
                        .as("JVM %d records on the clock sessions use here by default", fork.index)
                        .isEqualTo("ready clock=" + TraceClock.best().name());
            }
            for (int seq = 0; seq < EVENTS; seq++) {
                Fork fork = forks[seq % 2];
                fork.in.println("fire " + seq);
                assertThat(fork.next("fired " + seq)).isEqualTo("fired " + seq);
                Thread.sleep(GAP_MILLIS);
            }
            for (Fork fork : forks) {
                fork.in.println("stop");
            }
            for (Fork fork : forks) {
                Matcher stopped =
                        Pattern.compile("stopped fired=([0-9]+) lost=([0-9]+)").matcher(fork.next("stopped"));
                assertThat(stopped.matches()).as(fork.transcript()).isTrue();
                fired[fork.index] = Long.parseLong(stopped.group(1));
                assertThat(Long.parseLong(stopped.group(2)))
                        .as("JVM %d lost", fork.index)
                        .isZero();
                assertThat(fork.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(fork.process.exitValue()).as(fork.transcript()).isZero();
            }
        }
        assertThat(fired).as("events fired by JVM 0 and JVM 1").containsExactly(EVENTS / 2, EVENTS / 2);

        Babeltrace.Run run =
                Babeltrace.run("--clock-seconds", folders[0], folders[1]).clean();

        List<long[]> ticks = ticks(run);
        String timeline = String.join("\n", run.stdout());
        assertThat(ticks.stream().filter(t -> t[1] == 0).count())
                .as("JVM 0's events in the merged output")
                .isEqualTo(fired[0]);
        assertThat(ticks.stream().filter(t -> t[1] == 1).count())
                .as("JVM 1's events in the merged output")
                .isEqualTo(fired[1]);
        assertThat(disorder(ticks)).as("the merged timeline:%n%s", timeline).isNull();
        int changes = 0;
        for (int i = 1; i < ticks.size(); i++) {
            if (ticks.get(i)[1] != ticks.get(i - 1)[1]) {
                changes++;
            }
        }
        assertThat(changes)
                .as("the JVM changes at every event: interleaved, not one block then the other")
                .isEqualTo(EVENTS - 1);

        // The control: JVM 1's clock placed 10 ms later on the wall clock (its metadata edited), and
        // the same check finds its events out of place.
        Path skewed = dir.resolve("jvm1-skewed");
        Files.createDirectories(skewed);
        try (Stream<Path> files = Files.list(folders[1])) {
            for (Path file : files.toList()) {
                Files.copy(file, skewed.resolve(file.getFileName()));
            }
        }
        Path metadata = skewed.resolve("metadata");
        Files.writeString(metadata, laterBy10Millis(Files.readString(metadata)));
        List<long[]> skewedTicks =
                ticks(Babeltrace.run("--clock-seconds", folders[0], skewed).clean());
        assertThat(skewedTicks).hasSize(EVENTS);
        assertThat(disorder(skewedTicks)).as("a clock 10 ms off is caught").isNotNull();
    }

    /** The ticks of babeltrace2's output, in its order: time in ns, JVM, seq. */
    private static List<long[]> ticks(Babeltrace.Run run) {
        List<long[]> ticks = new ArrayList<>();
        for (String line : run.stdout()) {
            Matcher m = TICK.matcher(line);
            if (m.matches()) {
                ticks.add(new long[] {
                    Long.parseLong(m.group(1)) * 1_000_000_000L + Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(4))
                });
            } else {
                assertThat(line).as("a line that is no tick").contains(" tracepoint4j:thread: ");
            }
        }
        return ticks;
    }

    /**
     * Null if the ticks are in the order they were fired (seq 0, 1, 2, ..., alternately from JVM 0
     * and JVM 1) at non-decreasing times; else the first one out of place.
     */
    private static String disorder(List<long[]> ticks) {
        for (int i = 0; i < ticks.size(); i++) {
            long[] tick = ticks.get(i);
            if (tick[2] != i || tick[1] != i % 2) {
                return "at " + i + " of the timeline, seq " + tick[2] + " of JVM " + tick[1] + " (expected seq " + i
                        + " of JVM " + i % 2 + ")";
            }
            if (i > 0 && tick[0] < ticks.get(i - 1)[0]) {
                return "at " + i + ", time " + tick[0] + " before " + ticks.get(i - 1)[0];
            }
        }
        return null;
    }

    /** A trace's metadata with its clock's offset 10 ms later. */
    private static String laterBy10Millis(String metadata) {
        Matcher m = Pattern.compile("freq = ([0-9]+);.*offset_s = (-?[0-9]+);\\s*offset = ([0-9]+);", Pattern.DOTALL)
                .matcher(metadata);
        assertThat(m.find()).as(metadata).isTrue();
        long frequency = Long.parseLong(m.group(1));
        long cycles = Long.parseLong(m.group(3)) + frequency / 100;
        long seconds = Long.parseLong(m.group(2)) + cycles / frequency;
        return metadata.replace("offset_s = " + m.group(2) + ";", "offset_s = " + seconds + ";")
                .replace("offset = " + m.group(3) + ";", "offset = " + cycles % frequency + ";");
    }
}
