package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ctf.CtfClock;
import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import io.tracepoint4j.ctf.CtfTrace;
import io.tracepoint4j.ctf.EventClass;
import io.tracepoint4j.ctf.EventEncoder;
import io.tracepoint4j.ctf.Field;
import io.tracepoint4j.ctf.FieldType;
import io.tracepoint4j.ctf.StreamClass;
import io.tracepoint4j.ctf.StreamWriter;
import io.tracepoint4j.ctf.TraceMetadata;
import io.tracepoint4j.testkit.Babeltrace;
import io.tracepoint4j.tracer.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tp view}, in process through picocli: traces recorded by real sessions (two named threads
 * taking turns, so the true order of the events is known) and written with the ctf module directly,
 * checked line by line against what was fired and against babeltrace2's times; several traces
 * merged; losses; the errors.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class ViewTest {
    private static final AtomicInteger PROVIDERS = new AtomicInteger();
    private static final Pattern BABELTRACE_TIME = Pattern.compile("^\\[([0-9:.]+)\\] .*");

    @TempDir
    Path tmp;

    /** One event per turn. */
    public interface Tick {
        void tick(long seq);
    }

    /** An argument of every kind a tracepoint takes. */
    public interface Request {
        void request(
                String method,
                int status,
                long nanos,
                boolean cached,
                Verb verb,
                byte[] body,
                char grade,
                double ratio,
                float share,
                short port,
                byte level);
    }

    /** An enum argument. */
    public enum Verb {
        GET,
        POST
    }

    /** What {@code tp ARGS} printed and returned. */
    record Result(int status, List<String> out, List<String> err) {}

    /** Runs {@code tp ARGS} in process. */
    static Result tp(Object... args) {
        TpCommand command = TpCommand.run(args);
        return new Result(
                command.status(),
                command.out().lines().toList(),
                command.err().lines().toList());
    }

    static String provider() {
        return "view" + PROVIDERS.incrementAndGet();
    }

    /** A session's trace of {@code events} ticks, fired in turns by threads with the given names. */
    static final class Recording {
        final Path folder;
        final String provider;
        final long[] tidOfSeq;
        final Map<Long, String> names = new HashMap<>();

        Recording(Path folder, String provider, int events) {
            this.folder = folder;
            this.provider = provider;
            this.tidOfSeq = new long[events];
        }
    }

    static Recording record(Path folder, int events, String... threadNames) throws Exception {
        Recording recording = new Recording(folder, provider(), events);
        Tracepoint<Tick> tick = Tracepoint.define(recording.provider + ":tick", Tick.class, "seq");
        Session session = Session.builder("view")
                .enable(recording.provider + ":*")
                .output(folder)
                .start();
        AtomicInteger turn = new AtomicInteger(); // event seq is fired by thread seq % threads
        Thread[] threads = new Thread[threadNames.length];
        for (int t = 0; t < threads.length; t++) {
            int self = t;
            threads[t] = Thread.ofPlatform().name(threadNames[t]).start(() -> {
                for (int seq = self; seq < events; seq += threadNames.length) {
                    while (turn.get() != seq) {
                        Thread.yield();
                    }
                    tick.fire().tick(seq);
                    recording.tidOfSeq[seq] = Thread.currentThread().threadId();
                    turn.set(seq + 1);
                }
            });
            recording.names.put(threads[t].threadId(), threadNames[t]);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(session.stop().lost()).isZero();
        return recording;
    }

    /** The stream instance of each event of a trace, by its field {@code key}'s value. */
    static Map<Object, Long> streams(Path folder, String key) throws IOException {
        Map<Object, Long> streams = new HashMap<>();
        try (CtfReader reader = CtfReader.open(folder)) {
            for (CtfEvent event : reader) {
                if (event.field(key) != null) {
                    streams.put(event.field(key), event.streamInstanceId());
                }
            }
        }
        return streams;
    }

    /** babeltrace2's times of the events that are not thread events, in its order. */
    static List<String> babeltraceTimes(Object... args) {
        List<String> times = new ArrayList<>();
        for (String line : Babeltrace.run(args).clean().stdout()) {
            if (!line.contains("tracepoint4j:thread")) {
                Matcher m = BABELTRACE_TIME.matcher(line);
                assertThat(m.matches()).as(line).isTrue();
                times.add(m.group(1));
            }
        }
        return times;
    }

    static String line(String task, long tid, long stream, String time, String rest) {
        return String.format("%16s-%-7d [%03d] %s: %s", task, tid, stream, time, rest);
    }

    @Test
    void printsEveryEventOnceInTimeOrderWithItsThreadAndValuesAsFtraceDoes() throws Exception {
        Path folder = tmp.resolve("trace");
        int events = 40;
        Recording r = record(folder, events, "worker-0", "second worker");
        Map<Object, Long> streams = streams(folder, "seq");
        List<String> times = babeltraceTimes(folder);
        assertThat(times).hasSize(events);

        Result result = tp("view", "--utc", folder);

        assertThat(result.err()).isEmpty();
        assertThat(result.status()).isZero();
        List<String> expected = new ArrayList<>();
        for (int seq = 0; seq < events; seq++) {
            long tid = r.tidOfSeq[seq];
            expected.add(line(
                    r.names.get(tid), tid, streams.get((long) seq), times.get(seq), r.provider + ":tick: seq=" + seq));
        }
        assertThat(result.out()).containsExactlyElementsOf(expected);
        assertThat(result.out()).noneMatch(l -> l.contains("tracepoint4j:thread"));
        assertThat(Babeltrace.run(folder).stdout())
                .as("babeltrace2 shows the thread events that tp view hides")
                .filteredOn(l -> l.contains("tracepoint4j:thread"))
                .anySatisfy(l -> assertThat(l).contains("\"second worker\""))
                .anySatisfy(l -> assertThat(l).contains("\"worker-0\""));
    }

    @Test
    void printsEveryArgumentKindAndEscapesStrings(@TempDir Path dir) throws Exception {
        String provider = provider();
        Tracepoint<Request> request = Tracepoint.define(
                provider + ":request",
                Request.class,
                "method",
                "status",
                "nanos",
                "cached",
                "verb",
                "body",
                "grade",
                "ratio",
                "share",
                "port",
                "level");
        Path folder = dir.resolve("t");
        Session session =
                Session.builder("kinds").enable(provider + ":*").output(folder).start();
        long[] tid = new long[1];
        Thread thread = Thread.ofPlatform().name("wörker\t1").start(() -> {
            request.fire()
                    .request(
                            "GET \"/é\"\n\\",
                            200,
                            -5L,
                            true,
                            Verb.POST,
                            new byte[] {1, (byte) 0xff},
                            '\'',
                            0.5,
                            1.25f,
                            (short) -7,
                            (byte) 9);
            // nulls: a string is recorded as "(null)", an enum as -1 (no label), an array as empty
            request.fire().request(null, 0, 0, false, null, null, 'x', -0.0, 0f, (short) 0, (byte) 0);
        });
        tid[0] = thread.threadId();
        thread.join();
        session.stop();
        long stream = streams(folder, "status").get(200);
        List<String> times = babeltraceTimes(folder);

        Result result = tp("view", "--utc", folder);

        assertThat(result.status()).isZero();
        assertThat(result.out())
                .containsExactly(
                        line(
                                "wörker\\t1",
                                tid[0],
                                stream,
                                times.get(0),
                                provider + ":request: method=\"GET \\\"/é\\\"\\n\\\\\" status=200 nanos=-5"
                                        + " cached=true verb=POST body={0x01,0xff} body_cut=0 grade='\\'' ratio=0.5"
                                        + " share=1.25 port=-7 level=9"),
                        line(
                                "wörker\\t1",
                                tid[0],
                                stream,
                                times.get(1),
                                provider + ":request: method=\"(null)\" status=0 nanos=0 cached=false verb=(null)"
                                        + " body={} body_cut=0 grade='x' ratio=-0.0 share=0.0 port=0 level=0"));
    }

    @Test
    void aThreadWithoutANameShowsAsUnnamed(@TempDir Path dir) throws Exception {
        String provider = provider();
        Tracepoint<Tick> tick = Tracepoint.define(provider + ":tick", Tick.class, "seq");
        Path folder = dir.resolve("t");
        Session session = Session.builder("unnamed")
                .enable(provider + ":*")
                .output(folder)
                .start();
        Thread virtual = Thread.ofVirtual().start(() -> tick.fire().tick(1));
        virtual.join();
        assertThat(virtual.getName()).isEmpty();
        session.stop();

        assertThat(tp("view", "--utc", folder).out())
                .singleElement()
                .asString()
                .startsWith("       <unnamed>-" + virtual.threadId() + " ")
                .endsWith(provider + ":tick: seq=1");
    }

    @Test
    void secondsAreSecondsSinceTheEpochAsBabeltracePrintsThem() throws Exception {
        Path folder = tmp.resolve("trace");
        record(folder, 6, "a", "b");
        List<String> seconds = babeltraceTimes("--clock-seconds", folder);

        Result result = tp("view", "--seconds", folder);

        assertThat(result.status()).isZero();
        assertThat(result.out()).hasSize(6);
        for (int i = 0; i < 6; i++) {
            assertThat(result.out().get(i)).contains("] " + seconds.get(i) + ": ");
        }
    }

    /**
     * Two sessions recording at the same time into two folders of one parent: viewing the parent
     * finds both (as babeltrace2 does), merges them by time and labels each line with its trace.
     */
    @Test
    void severalTracesBelowAFolderAreMergedOnOneTimelineAndLabelled() throws Exception {
        String a = provider();
        String b = provider();
        Tracepoint<Tick> tickA = Tracepoint.define(a + ":tick", Tick.class, "seq");
        Tracepoint<Tick> tickB = Tracepoint.define(b + ":tick", Tick.class, "seq");
        Path parent = tmp.resolve("all");
        Path first = parent.resolve("first");
        Path second = parent.resolve("nested").resolve("second");
        Session sessionA = Session.builder("a").enable(a + ":*").output(first).start();
        Session sessionB = Session.builder("b").enable(b + ":*").output(second).start();
        int events = 30;
        for (int seq = 0; seq < events; seq++) {
            (seq % 2 == 0 ? tickA : tickB).fire().tick(seq); // alternately into each trace
        }
        sessionA.stop();
        sessionB.stop();
        String tid = "-" + Thread.currentThread().threadId() + " ";

        Result result = tp("view", "--utc", parent);

        assertThat(result.err()).isEmpty();
        assertThat(result.status()).isZero();
        assertThat(result.out()).hasSize(events);
        String labelA =
                first + " ".repeat(second.toString().length() - first.toString().length()) + " ";
        String labelB = second + " ";
        for (int seq = 0; seq < events; seq++) {
            String line = result.out().get(seq);
            assertThat(line)
                    .as("event %d, in the order fired", seq)
                    .startsWith(seq % 2 == 0 ? labelA : labelB)
                    .contains(tid)
                    .endsWith((seq % 2 == 0 ? a : b) + ":tick: seq=" + seq);
        }
        assertThat(tp("view", "--utc", first, second).out())
                .as("the traces named one by one")
                .isEqualTo(result.out());
        assertThat(tp("view", "--utc", first, first).out())
                .as("a trace named twice is read once, and unlabelled")
                .isEqualTo(tp("view", "--utc", first).out())
                .hasSize(events / 2)
                .noneMatch(l -> l.startsWith(first.toString()));
    }

    /**
     * A trace of another writer: every field type, the tid of the packet context, an event without
     * any tid, and times of a fixed clock.
     */
    @Test
    void tracesOfOtherWritersShowEveryFieldTypeAndTheTidsTheyHave() throws Exception {
        Path withTid = tmp.resolve("with-tid");
        writeAllTypes(withTid, UUID.randomUUID());
        Path withoutTid = tmp.resolve("without-tid");
        writeWithoutTid(withoutTid, UUID.randomUUID());

        assertThat(tp("view", "--utc", withTid).out())
                .containsExactly("           <...>-4242    [003] 22:13:21.000000123: other:all: i8=-1 u8=255 i16=-2"
                        + " u16=65535 i32=-3 u32=4294967295 i64=-4 u64=18446744073709551615 f=0.5 d=0.25 flag=true"
                        + " c='\\'' state=BLOCKED s=\"a\\\"b\\\\c\\x01\\u0085\\u2028\\u202e\" b={0x01,0xff}");
        assertThat(tp("view", "--seconds", withoutTid).out())
                .containsExactly("           <...>-?       [000] 1700000000.000000005: other:plain: n=7");
    }

    @Test
    void tracesWhoseClocksDifferAreRefusedTogetherAsBabeltraceRefusesThem() throws Exception {
        Path one = tmp.resolve("one");
        writeWithoutTid(one, UUID.randomUUID());
        Path two = tmp.resolve("two");
        writeWithoutTid(two, UUID.randomUUID());
        assertThat(Babeltrace.run(one, two).exitCode())
                .as("babeltrace2 refuses them too")
                .isNotZero();

        Result result = tp("view", one, two);

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err())
                .singleElement()
                .asString()
                .startsWith("tp view: cannot put " + one + " and " + two + " on one timeline: their clocks differ")
                .endsWith("view them one at a time");
    }

    /**
     * A session recording {@code provider:tick} into {@code folder} through one shared buffer of two
     * 4 KiB sub-buffers: far too small for a burst of firings, so that it loses some.
     */
    static Session.Builder tinyBuffers(String name, String provider, Path folder) {
        return Session.builder(name)
                .enable(provider + ":tick")
                .output(folder)
                .buffers(1)
                .subBufferSize(4096)
                .subBufferCount(2);
    }

    @Test
    void lossesAreCountedOnStderrAfterTheLines(@TempDir Path dir) throws Exception {
        String provider = provider();
        Tracepoint<Tick> tick = Tracepoint.define(provider + ":tick", Tick.class, "seq");
        Path folder = dir.resolve("t");
        Session session = tinyBuffers("small", provider, folder).start();
        int fired = 200_000;
        for (int i = 0; i < fired; i++) {
            tick.fire().tick(i);
        }
        long lost = session.stop().lost();
        assertThat(lost).as("the buffer is too small: some are lost").isPositive();

        Result result = tp("view", "--utc", folder);

        assertThat(result.status()).isZero();
        assertThat(result.out().size() + lost).as("printed + lost").isEqualTo(fired);
        List<String> times = new ArrayList<>();
        for (String line : Babeltrace.run(folder).stdout()) { // not clean: it warns of the losses
            Matcher m = BABELTRACE_TIME.matcher(line);
            if (!line.contains("tracepoint4j:thread") && m.matches()) {
                times.add(m.group(1));
            }
        }
        assertThat(result.out())
                .as("every line at babeltrace2's time for its event, to the nanosecond")
                .extracting(l -> l.replaceAll(".*\\] ([0-9:.]+): .*", "$1"))
                .containsExactlyElementsOf(times);
        assertThat(result.err())
                .singleElement()
                .asString()
                .matches(
                        Pattern.quote("tp view: " + folder)
                                + ": the tracer lost \\d+ events? and 0 packets, not shown above \\(bigger session buffers keep them\\)");
        long reported = Long.parseLong(result.err().get(0).replaceAll(".*the tracer lost (\\d+) event.*", "$1"));
        assertThat(reported).as("tracepoint events and thread events lost").isGreaterThanOrEqualTo(lost);
    }

    /**
     * A flight recorder that overwrote its oldest packets is told apart from a tracer that lost
     * events: it dropped them by design, and bigger buffers are not the fix. It used to be reported
     * as "lost 0 events and N packets (bigger session buffers keep them)". A trace read without the
     * snapshots before it cannot tell the packets it overwrote from those an earlier snapshot holds
     * (a snapshot consumes what it writes), and says so; read with them, its snapshots chain, and
     * what it overwrote between them is counted exactly. A later snapshot alone used to say it
     * overwrote the packets its earlier snapshots hold.
     */
    @Test
    void aFlightRecordersOverwrittenPacketsAreNotCalledLosses(@TempDir Path dir) throws Exception {
        String provider = provider();
        Tracepoint<Tick> tick = Tracepoint.define(provider + ":tick", Tick.class, "seq");
        Path folder = dir.resolve("t");
        Session session = tinyBuffers("recorder", provider, folder)
                .mode(io.tracepoint4j.ringbuffer.Mode.OVERWRITE)
                .threadBuffers(0)
                .start();
        for (int i = 0; i < 20_000; i++) {
            tick.fire().tick(i);
        }
        Path first = session.snapshot(dir.resolve("s1"));
        for (int i = 0; i < 20_000; i++) {
            tick.fire().tick(i);
        }
        Path second = session.snapshot(dir.resolve("s2"));
        session.stop();

        String notHere = ": a flight recorder: its (\\d+) oldest packets are not here: overwritten to keep the"
                + " newest, as it does when full, or in its earlier snapshots \\(view those with it to tell\\)";
        Result alone = tp("view", "--utc", second);
        assertThat(alone.status()).isZero();
        assertThat(alone.err()).singleElement().asString().matches(Pattern.quote("tp view: " + second) + notHere);
        long before = Long.parseLong(alone.err().getFirst().replaceAll(".*its (\\d+) oldest.*", "$1"));

        Result together = tp("view", "--utc", first, second);
        assertThat(together.status()).isZero();
        assertThat(together.err()).hasSize(2);
        assertThat(together.err().get(0)).matches(Pattern.quote("tp view: " + first) + notHere);
        Matcher overwrote = Pattern.compile(Pattern.quote("tp view: " + second)
                        + ": a flight recorder: it overwrote its (\\d+) oldest packets to keep the newest, as it does"
                        + " when full")
                .matcher(together.err().get(1));
        assertThat(overwrote.matches()).as(together.err().get(1)).isTrue();
        long packetsOfFirst;
        try (CtfReader reader = CtfReader.open(first)) {
            Map<Long, Long> byStream = new HashMap<>(); // the ticks' buffer, and the stream naming threads
            for (io.tracepoint4j.ctf.CtfPacket packet : reader.packets()) {
                byStream.merge(packet.streamInstanceId(), 1L, Long::sum);
            }
            packetsOfFirst = java.util.Collections.max(byStream.values()); // the ticks': one packet names threads
        }
        assertThat(Long.parseLong(overwrote.group(1)))
                .as("the packets before the second snapshot that the first does not hold")
                .isEqualTo(before
                        - packetsOfFirst
                        - Long.parseLong(together.err().get(0).replaceAll(".*its (\\d+) oldest.*", "$1")));
    }

    /**
     * A rotated session's later chunk counts its losses on from the chunk before it (its packets'
     * numbers and loss counts go on from the session's start): read with that chunk, from its last
     * packets; read alone, what was lost before it is told apart, and no packet counts as dropped.
     * Alone, it used to be reported as having lost every packet of the chunks before it.
     */
    @Test
    void aLaterChunkCountsItsLossesOnFromTheChunkBeforeIt(@TempDir Path dir) throws Exception {
        String provider = provider();
        Tracepoint<Tick> tick = Tracepoint.define(provider + ":tick", Tick.class, "seq");
        Path folder = dir.resolve("t");
        Session session =
                tinyBuffers("chunks", provider, folder).threadBuffers(0).start();
        for (int i = 0; i < 200_000; i++) {
            tick.fire().tick(i);
        }
        Path first = session.rotate();
        Path second = session.folder();
        for (int i = 0; i < 10; i++) {
            tick.fire().tick(i);
        }
        long lost = session.stop().lost();
        assertThat(lost)
                .as("the first chunk's buffer is too small: some are lost")
                .isPositive();

        Result alone = tp("view", "--utc", second);
        assertThat(alone.status()).isZero();
        assertThat(alone.out()).as("the second chunk's events").hasSize(10);
        assertThat(alone.err())
                .singleElement()
                .asString()
                .matches(Pattern.quote("tp view: " + second)
                        + ": a later chunk of its session, whose earlier chunks, with this one up to the end of"
                        + " its first packet, lost \\d+ events? \\(view the chunks together to place them\\)");
        long before = Long.parseLong(alone.err().get(0).replaceAll(".* lost (\\d+) event.*", "$1"));
        assertThat(before).as("tracepoint events and thread events lost").isGreaterThanOrEqualTo(lost);

        Result together = tp("view", "--utc", first, second);
        assertThat(together.status()).isZero();
        assertThat(together.err())
                .as("the first chunk's losses, once; none for the second, which lost none")
                .singleElement()
                .asString()
                .matches(Pattern.quote("tp view: " + first)
                        + ": the tracer lost \\d+ events? and 0 packets, not shown above \\(bigger session buffers"
                        + " keep them\\)");
        assertThat(Long.parseLong(together.err().get(0).replaceAll(".* lost (\\d+) event.*", "$1")))
                .as("the same count, chunk by chunk")
                .isEqualTo(before);
    }

    /**
     * An output that cannot be written (a full disk) is not a reader that went away: tp view says so
     * and exits 1, where a closed pipe ends it quietly with 0.
     */
    @Test
    void anOutputThatCannotBeWrittenFailsTheView(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("t");
        writeWithoutTid(trace, UUID.randomUUID());
        Process view = new ProcessBuilder(
                        TargetProcesses.java(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Tp.class.getName(),
                        "view",
                        trace.toString())
                .redirectOutput(new java.io.File("/dev/full"))
                .start();
        String err = new String(view.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(view.waitFor()).as(err).isEqualTo(1);
        assertThat(err.strip())
                .isEqualTo("tp: cannot write the output: No space left on device; what was printed is incomplete");
    }

    /** A trace reached through a link below the folder named is found, as babeltrace2 finds it. */
    @Test
    void aTraceBehindALinkIsFound(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("t");
        writeWithoutTid(trace, UUID.randomUUID());
        Path linked = java.nio.file.Files.createDirectories(dir.resolve("linked"));
        java.nio.file.Files.createSymbolicLink(linked.resolve("tr"), trace);
        java.nio.file.Files.createSymbolicLink(linked.resolve("loop"), linked); // searched once, not forever

        Result result = tp("view", "--seconds", linked);

        assertThat(result.status()).as(String.join("\n", result.err())).isZero();
        assertThat(result.out()).isEqualTo(tp("view", "--seconds", trace).out()).hasSize(1);
    }

    /** When the reader goes away (| head), the view stops reading instead of formatting the rest. */
    @Test
    void stopsWhenNobodyReadsTheOutputAnyMore(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("t");
        String provider = provider();
        Tracepoint<Tick> tick = Tracepoint.define(provider + ":tick", Tick.class, "seq");
        Session session =
                Session.builder("many").enable(provider + ":*").output(folder).start();
        int events = 20_000;
        for (int i = 0; i < events; i++) {
            tick.fire().tick(i);
        }
        assertThat(session.stop().lost()).isZero();
        AtomicInteger lines = new AtomicInteger();
        Writer closedPipe = new Writer() {
            @Override
            public void write(char[] buffer, int offset, int length) throws IOException {
                if (new String(buffer, offset, length).contains("\n")) {
                    lines.incrementAndGet();
                }
                throw new IOException("Broken pipe");
            }

            @Override
            public void flush() throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void close() {}
        };
        StringWriter err = new StringWriter();

        int status = Tp.run(new PrintWriter(closedPipe), new PrintWriter(err), "view", folder.toString());

        assertThat(status).isZero();
        assertThat(err.toString()).isEmpty();
        assertThat(lines.get()).as("lines written after the pipe broke").isBetween(1, 4096);
    }

    @Test
    void aMissingFolderAFileAndAFolderWithoutTracesAreOneLineErrorsNamingTheFix() throws Exception {
        Path missing = tmp.resolve("missing");
        Result result = tp("view", missing);
        assertThat(result.status()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err())
                .containsExactly("tp view: no such folder: " + missing + "; name the folder a session wrote its trace"
                        + " into (Session.builder(NAME).output(DIR), ./tp demo --out DIR)");

        Path file = Files.writeString(tmp.resolve("file"), "x");
        result = tp("view", file);
        assertThat(result.status()).isEqualTo(1);
        assertThat(result.err())
                .containsExactly("tp view: " + file + " is a file, not a folder; name the trace's folder, the one"
                        + " holding its metadata file and stream files");

        Path empty =
                Files.createDirectories(tmp.resolve("empty").resolve("sub")).getParent();
        result = tp("view", empty);
        assertThat(result.status()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err())
                .containsExactly("tp view: no CTF trace in " + empty + ": neither it nor a folder below it holds a"
                        + " metadata file; name the folder a session wrote its trace into"
                        + " (Session.builder(NAME).output(DIR), ./tp demo --out DIR)");
    }

    @Test
    void aBrokenTraceIsAOneLineErrorNamingTheFileAndOffset() throws Exception {
        Path folder = tmp.resolve("trace");
        record(folder, 4, "a");
        Path stream;
        try (Stream<Path> files = Files.list(folder)) {
            stream = files.filter(f -> f.getFileName().toString().startsWith("stream-"))
                    .filter(f -> f.toFile().length() > 0)
                    .findFirst()
                    .orElseThrow();
        }
        try (FileChannel channel = FileChannel.open(stream, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 1);
        }

        Result result = tp("view", folder);

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err())
                .singleElement()
                .asString()
                .startsWith("tp view: " + folder + ": stream file " + stream + ", offset ")
                .contains("partial packet")
                .contains(
                        "; to read the packets before it (babeltrace2 too), once no tracer writes it any more, cut the"
                                + " file there: truncate -s ")
                .endsWith(" '" + stream + "'")
                .doesNotContain("for a trace of another tracer");
    }

    /**
     * A trace whose first event is broken is the one-line error a later broken event is (it was an
     * "internal error" with a stack trace), and tp convert leaves an existing FILE as it was when
     * the trace breaks part-way (it replaced it with cut-off JSON); found by a black-box test.
     */
    @Test
    void aBrokenEventFirstOrLaterIsAOneLineErrorAndConvertKeepsTheFileItWouldReplace() throws Exception {
        Path first = tmp.resolve("broken-first");
        writeBrokenAfter(first, 0);
        Result view = tp("view", first);
        assertThat(view.status()).isEqualTo(1);
        assertThat(view.out()).isEmpty();
        assertThat(view.err())
                .singleElement()
                .asString()
                .startsWith("tp view: " + first + ": ")
                .endsWith("(the events before it are printed above)")
                .doesNotContain("internal error");

        Path later = tmp.resolve("broken-later");
        writeBrokenAfter(later, 1);
        Path json = tmp.resolve("kept.json");
        Files.writeString(json, "{\"keep\":1}");
        Result convert = tp("convert", later, "--to", "chrome-json", "-o", json);
        assertThat(convert.status()).isEqualTo(1);
        assertThat(convert.err())
                .singleElement()
                .asString()
                .startsWith("tp convert: " + later + ": ")
                .endsWith("(so nothing was written to " + json + ")");
        assertThat(Files.readString(json)).as("the file it would have replaced").isEqualTo("{\"keep\":1}");
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(name -> name.endsWith(".partial"));
        }
    }

    /**
     * tp convert writes a UINT64 argument unsigned, as tp view shows it, and takes a thread's id from
     * the packet context where a trace keeps it there (it wrote -1 and "tid":0; a black-box test).
     */
    @Test
    void convertWritesUnsignedValuesAndTheTidOfThePacketContext() throws Exception {
        Path withTid = tmp.resolve("with-tid-json");
        writeAllTypes(withTid, UUID.randomUUID());
        Path json = tmp.resolve("all.json");
        Result convert = tp("convert", withTid, "--to", "chrome-json", "-o", json);
        assertThat(convert.status()).as(String.join("\n", convert.err())).isZero();
        String written = Files.readString(json);
        assertThat(written).contains("\"u64\":18446744073709551615").contains("\"tid\":4242");
    }

    @Test
    void usageErrorsAreOneLineWithTheSynopsisAndExitTwo() {
        Result result = tp("view");
        assertThat(result.status()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err())
                .containsExactly("tp view: Missing required parameter: 'DIR' (usage: tp view [-h] [--utc | --seconds]"
                        + " DIR...; tp view --help says more)");

        result = tp("view", "--utc", "--seconds", tmp);
        assertThat(result.status()).isEqualTo(2);
        assertThat(result.err())
                .singleElement()
                .asString()
                .startsWith("tp view: --utc, --seconds are mutually exclusive");

        result = tp("view", "--limit", "3", tmp);
        assertThat(result.status()).isEqualTo(2);
        assertThat(result.err()).singleElement().asString().startsWith("tp view: Unknown option: '--limit'");

        result = tp();
        assertThat(result.status()).isEqualTo(2);
        assertThat(result.err())
                .containsExactly(
                        "tp: name a command: view, convert, jvms, list, record, stat, hist, snapshot (usage: tp [-h] COMMAND; tp --help says more)");

        result = tp("frob");
        assertThat(result.status()).isEqualTo(2);
        assertThat(result.err()).singleElement().asString().startsWith("tp: Unmatched argument at index 0: 'frob'");
    }

    @Test
    void everyCommandHasHelp() {
        Result top = tp("--help");
        assertThat(top.status()).isZero();
        assertThat(top.err()).isEmpty();
        assertThat(top.out()).first().isEqualTo("Usage: tp [-h] COMMAND");
        assertThat(top.out()).anySatisfy(l -> assertThat(l).matches("  view +Print the events of CTF traces.*"));
        for (String command : new String[] {"convert", "jvms", "list", "record", "stat", "hist", "snapshot"}) {
            Result help = tp(command, "--help");
            assertThat(help.status()).as(command).isZero();
            assertThat(top.out()).anySatisfy(l -> assertThat(l).startsWith("  " + command + " "));
            assertThat(String.join("\n", help.out())).contains("Usage: tp " + command, "Exit status");
        }

        Result view = tp("view", "-h");
        assertThat(view.status()).isZero();
        assertThat(String.join("\n", view.out()))
                .contains("Usage: tp view [-h] [--utc | --seconds] DIR...")
                .contains("--utc", "--seconds", "tracepoint4j:thread", "Exit status");
    }

    // ---- traces written with the ctf module, as another writer would ----

    /** A fixed clock: 2023-11-14T22:13:20Z at timestamp 0. */
    private static CtfClock fixedClock(UUID uuid) {
        return CtfClock.builder("fixed").uuid(uuid).offset(1_700_000_000L, 0).build();
    }

    private static void writeAllTypes(Path folder, UUID clock) throws IOException {
        EventClass all = EventClass.of(
                0,
                "other:all",
                Field.of("i8", FieldType.INT8),
                Field.of("u8", FieldType.UINT8),
                Field.of("i16", FieldType.INT16),
                Field.of("u16", FieldType.UINT16),
                Field.of("i32", FieldType.INT32),
                Field.of("u32", FieldType.UINT32),
                Field.of("i64", FieldType.INT64),
                Field.of("u64", FieldType.UINT64),
                Field.of("f", FieldType.FLOAT),
                Field.of("d", FieldType.DOUBLE),
                Field.of("flag", FieldType.BOOLEAN),
                Field.of("c", FieldType.CHAR),
                Field.ofEnum("state", Thread.State.class),
                Field.of("s", FieldType.STRING),
                Field.of("b", FieldType.BYTES));
        TraceMetadata metadata = TraceMetadata.builder()
                .clock(fixedClock(clock))
                .env("tracer_name", "another-writer")
                .streamClass(StreamClass.builder(0)
                        .contextField(Field.of("tid", FieldType.UINT32))
                        .eventClass(all)
                        .build())
                .build();
        String s = "a\"b\\c\u0001" + (char) 0x85 + (char) 0x2028 + (char) 0x202E; // NEL, a separator, a bidi override
        byte[] b = {1, (byte) 0xff};
        try (CtfTrace trace = CtfTrace.create(folder, metadata)) {
            StreamWriter out = trace.openWriter(0, 3, 4096);
            out.context(0, 4242);
            long size = 1
                    + 1
                    + 2
                    + 2
                    + 4
                    + 4
                    + 8
                    + 8
                    + 4
                    + 8
                    + 1
                    + 2
                    + 4
                    + EventEncoder.stringSize(s)
                    + EventEncoder.bytesSize(b);
            long at = out.begin(0, 1_000_000_123L, size);
            long end = at + size;
            MemorySegment m = out.segment();
            at = EventEncoder.putByte(m, at, (byte) -1);
            at = EventEncoder.putByte(m, at, (byte) 255);
            at = EventEncoder.putShort(m, at, (short) -2);
            at = EventEncoder.putShort(m, at, (short) 65535);
            at = EventEncoder.putInt(m, at, -3);
            at = EventEncoder.putInt(m, at, (int) 4294967295L);
            at = EventEncoder.putLong(m, at, -4L);
            at = EventEncoder.putLong(m, at, -1L);
            at = EventEncoder.putFloat(m, at, 0.5f);
            at = EventEncoder.putDouble(m, at, 0.25);
            at = EventEncoder.putBoolean(m, at, true);
            at = EventEncoder.putChar(m, at, '\'');
            at = EventEncoder.putEnum(m, at, Thread.State.BLOCKED);
            at = EventEncoder.putString(m, at, end, s);
            at = EventEncoder.putBytes(m, at, end, b);
            out.commit(at);
        }
    }

    /**
     * A trace of {@code good} sound events, then one whose byte array says it holds far more bytes
     * than its packet: a broken record, as a damaged file has.
     */
    private static void writeBrokenAfter(Path folder, int good) throws IOException {
        EventClass blob = EventClass.of(0, "other:blob", Field.of("b", FieldType.BYTES));
        TraceMetadata metadata = TraceMetadata.builder()
                .clock(fixedClock(UUID.randomUUID()))
                .env("tracer_name", "another-writer")
                .streamClass(StreamClass.builder(0).eventClass(blob).build())
                .build();
        try (CtfTrace trace = CtfTrace.create(folder, metadata)) {
            StreamWriter out = trace.openWriter(0, 0, 4096);
            for (int i = 0; i <= good; i++) {
                long at = out.begin(0, 5 + i, 8);
                int length = i < good ? 4 : 1_000_000; // the last one's length runs past its packet
                at = EventEncoder.putInt(out.segment(), at, length);
                out.commit(EventEncoder.putInt(out.segment(), at, 0x01020304));
            }
        }
    }

    private static void writeWithoutTid(Path folder, UUID clock) throws IOException {
        EventClass plain = EventClass.of(0, "other:plain", Field.of("n", FieldType.INT32));
        TraceMetadata metadata = TraceMetadata.builder()
                .clock(fixedClock(clock))
                .env("tracer_name", "another-writer")
                .streamClass(StreamClass.builder(0).eventClass(plain).build())
                .build();
        try (CtfTrace trace = CtfTrace.create(folder, metadata)) {
            StreamWriter out = trace.openWriter(0, 0, 4096);
            long at = out.begin(0, 5, 4);
            out.commit(EventEncoder.putInt(out.segment(), at, 7));
        }
    }
}
