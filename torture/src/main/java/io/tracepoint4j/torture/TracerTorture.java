package io.tracepoint4j.torture;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.tracer.Session;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code ./tp torture --target tracer}: rounds of two sessions recording one tracepoint while
 * platform and virtual threads fire it, one session rotating its trace and the other turning rules
 * for more tracepoints (one of them faultable, with a probe that blocks) on and off, while a
 * reporting thread fires a tracepoint that gives its event's time (a moment of the recent past);
 * then every record of every chunk is read back and checked. Public only so that its nested prototype is
 * visible by name from tracepoint4j's class loader; run it through {@link RcuTorture}.
 */
public final class TracerTorture {
    /*
     * Overview
     *   Each round starts session A (DISCARD, small random buffers so that events are lost,
     *   rotated a few times while the round runs) and session B (DISCARD or OVERWRITE at random;
     *   its rules for the "side" tracepoints are added and removed while firing). Both record
     *   "main". Firers, each a logical thread t (a platform thread, or a chain of short-lived
     *   virtual threads), fire main(t, seq, text, data) for seq = 0, 1, ... with a text and bytes
     *   that are a function of (t, seq), and side tracepoints in between. A reporter (a platform
     *   thread) fires late(seq, epochNanos, claimedNanos), a faultable tracepoint whose event time
     *   is epochNanos, a moment 0-20 ms in the past, never earlier than the last one; both
     *   sessions record it, so its records go to an event-time buffer, across rotations and
     *   flushes. Firing starts after both sessions started and ends before they stop.
     *
     * Oracles (each count must be 0)
     *   torn: a main record whose text or bytes are not those of its (t, seq): a record read
     *     before it was complete, or overwritten while read.
     *   duplicate / out of order: per session and logical thread, each seq appears once over all
     *     the chunks, and within a chunk the seqs increase strictly in time order (a virtual
     *     chain's generations are ordered by join()). Not across chunks: a rotation cuts the
     *     buffers one after the other, so a virtual chain whose next generation records into
     *     another shared buffer may put a later event into the closing chunk than an earlier one
     *     (the tracer README says so); read together, the chunks are in time order.
     *   accounting: session A recorded main events + Summary.lost() == main firings, exactly
     *     (A counts main alone).
     *   time order: in every stream of every chunk, the events' timestamps never decrease, each
     *     packet begins no earlier than the one before it ended, and each event lies within its
     *     packet's begin and end (what babeltrace2 demands); late records too, whose times come
     *     from the past.
     *   misplaced: a late record stamped earlier than its claimedNanos (its event time, read back
     *     through the trace's clock) less 5 ms; a record placed in the past may only be raised, to
     *     keep its stream in order, never put earlier. Duplicate and out-of-order late records
     *     count as for main.
     *   Failures (an exception, a trace babeltrace's reader rejects) are reported separately.
     *
     * Memory ordering
     *   [K] as FlavorTorture [K]: RUNS is an atomic counter, a unique run id only. `go` and `stop`
     *       are AtomicBooleans (volatile) the controller sets and firers poll; firedBy[t] and the
     *       firers' arrays are read after join(), which orders them.
     *
     * Broken variants (Breakage), which the tests run to show the oracles fire: MUTATE_PAYLOAD, a
     *   thread scribbles on the byte arrays being fired (the application's own race): torn must
     *   fire. FIRE_BEFORE_START, firers start before the sessions do: accounting must fire.
     *   LATE_CLAIMS_LATER, the reporter claims a time 50 ms after the event time it gives:
     *   misplaced must fire. The time-order oracle was shown firing by the library's own bug: with
     *   RingBuffer.reserveAt not raising a time to the buffer's last record's, records reported
     *   after a flush went back in time in their stream.
     */

    /** The prototype of every tracepoint of the run. */
    public interface Hit {
        void hit(long thread, long seq, String text, byte[] data);
    }

    /** The reporter's prototype: an event of {@code epochNanos}, reported late. */
    public interface Late {
        void late(long seq, long epochNanos, long claimedNanos);
    }

    enum Breakage {
        /** The real thing. */
        NONE,
        /** Another thread rewrites the byte arrays while they are fired: the torn oracle must fire. */
        MUTATE_PAYLOAD,
        /** Firers start before the sessions: the accounting oracle must fire. */
        FIRE_BEFORE_START,
        /** The reporter claims a time 50 ms after its event time: the misplaced oracle must fire. */
        LATE_CLAIMS_LATER
    }

    record Settings(Duration duration, int platformFirers, int virtualFirers, Breakage breakage) {
        static Settings defaults() {
            return new Settings(Duration.ofSeconds(10), 2, 2, Breakage.NONE);
        }

        Settings {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("the duration must be positive, was " + duration);
            }
            if (platformFirers < 0 || virtualFirers < 0 || platformFirers + virtualFirers == 0) {
                throw new IllegalArgumentException("at least one firing thread is needed");
            }
        }
    }

    /** What one run found. */
    record Report(
            long rounds,
            long fired,
            long recorded,
            long lost,
            long rotations,
            long ruleChanges,
            long torn,
            long outOfOrder,
            long accountingErrors,
            long lateRecorded,
            long timeErrors,
            long misplaced,
            List<String> failures) {

        boolean violated() {
            return torn > 0 || outOfOrder > 0 || accountingErrors > 0 || timeErrors > 0 || misplaced > 0;
        }

        int exitCode() {
            return RcuTorture.exitCode(violated(), !failures.isEmpty());
        }

        /** The report; its last line is exactly {@code tracer errors: N}. */
        String format() {
            StringBuilder out = new StringBuilder(String.format(
                    Locale.ROOT,
                    "rounds %d, main firings %d, records read back %d, lost %d, rotations %d, rule changes %d%n"
                            + "late records read back %d%n"
                            + "torn records: %d, duplicate or out-of-order records: %d, rounds where recorded + lost"
                            + " != fired: %d%n"
                            + "timestamps out of stream order: %d, late records placed before their time: %d%n",
                    rounds,
                    fired,
                    recorded,
                    lost,
                    rotations,
                    ruleChanges,
                    lateRecorded,
                    torn,
                    outOfOrder,
                    accountingErrors,
                    timeErrors,
                    misplaced));
            for (String failure : failures) {
                out.append("FAILURE: ").append(failure).append('\n');
            }
            out.append("tracer errors: ")
                    .append(torn + outOfOrder + accountingErrors + timeErrors + misplaced)
                    .append('\n');
            return out.toString();
        }
    }

    private static final AtomicLong RUNS = new AtomicLong();
    /** The data of (t, seq) has seq % DATA_LENGTHS bytes. */
    private static final int DATA_LENGTHS = 40;

    private final Settings settings;
    private final PrintStream log;
    private final String provider = "tracertorture" + RUNS.incrementAndGet(); // [K] a unique run id
    private final Tracepoint<Hit> main;
    private final Tracepoint<Late> late;
    private final List<Tracepoint<Hit>> sides = new ArrayList<>();
    private final Path root;
    private long rounds;
    private long fired;
    private long recorded;
    private long lost;
    private long rotations;
    private long ruleChanges;
    private long torn;
    private long outOfOrder;
    private long accountingErrors;
    private long lateRecorded;
    private long timeErrors;
    private long misplaced;
    private final List<String> failures = new ArrayList<>();
    /** Every firer's data arrays: MUTATE_PAYLOAD's mutator writes them while they are fired. */
    private final List<byte[][]> scribbledOn = new java.util.concurrent.CopyOnWriteArrayList<>();

    private TracerTorture(Settings settings, PrintStream log) throws IOException {
        this.settings = settings;
        this.log = log;
        this.main = Tracepoint.define(provider + ":main", Hit.class, "thread", "seq", "text", "data");
        sides.add(Tracepoint.define(provider + ":side", Hit.class, "thread", "seq", "text", "data"));
        sides.add(Tracepoint.defineFaultable(provider + ":faultable", Hit.class, "thread", "seq", "text", "data"));
        this.late = Tracepoint.builder(provider + ":late", Late.class)
                .arguments("seq", "epochNanos", "claimedNanos")
                .eventTime("epochNanos")
                .faultable() // its firing may wait for its event-time buffer during a flush
                .define();
        this.root = Files.createTempDirectory("tracer-torture");
    }

    /** Runs rounds for {@code settings.duration()}; diagnostics go to {@code log}. */
    static Report run(Settings settings, PrintStream log) {
        TracerTorture torture;
        try {
            torture = new TracerTorture(settings, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Hit blocking = new Hit() { // a faultable probe that blocks, as a syscall probe takes a fault
                    @Override
                    public void hit(long thread, long seq, String text, byte[] data) {
                        if (seq % 64 == 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                        }
                    }
                };
        torture.sides.get(1).register(blocking);
        try {
            long end = System.nanoTime() + settings.duration().toNanos();
            do {
                torture.round();
            } while (System.nanoTime() < end);
        } catch (IOException | RuntimeException e) {
            torture.failures.add("round " + torture.rounds + " threw " + e);
            e.printStackTrace(log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            torture.failures.add("interrupted");
        } finally {
            torture.sides.get(1).unregister(blocking);
            torture.deleteRoot();
        }
        return torture.report();
    }

    private Report report() {
        return new Report(
                rounds,
                fired,
                recorded,
                lost,
                rotations,
                ruleChanges,
                torn,
                outOfOrder,
                accountingErrors,
                lateRecorded,
                timeErrors,
                misplaced,
                List.copyOf(failures));
    }

    private void round() throws IOException, InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Path folder = root.resolve("round-" + rounds);
        rounds++;
        int firers = settings.platformFirers() + settings.virtualFirers();
        AtomicBoolean go = new AtomicBoolean(settings.breakage() == Breakage.FIRE_BEFORE_START);
        AtomicBoolean stop = new AtomicBoolean();
        long[] firedBy = new long[firers];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < firers; t++) {
            threads.add(startFirer(t, t < settings.platformFirers(), go, stop, firedBy));
        }
        Thread mutator = settings.breakage() == Breakage.MUTATE_PAYLOAD ? startMutator(stop) : null;
        Thread reporter = startReporter(go, stop);
        if (go.get()) {
            Thread.sleep(5); // FIRE_BEFORE_START: some firings before the sessions
        }
        Session a = Session.builder("torture-a")
                .enable(main.name())
                .enable(late.name())
                .output(folder.resolve("a"))
                .buffers(1 + random.nextInt(3))
                .subBufferSize(8192 << random.nextInt(3))
                .subBufferCount(4 << random.nextInt(2))
                .start();
        Session b = Session.builder("torture-b")
                .enable(main.name())
                .enable(late.name())
                .output(folder.resolve("b"))
                .mode(random.nextBoolean() ? Mode.DISCARD : Mode.OVERWRITE)
                .buffers(2)
                .subBufferSize(16 * 1024)
                .subBufferCount(4)
                .start();
        go.set(true);
        long roundEnd =
                System.nanoTime() + Duration.ofMillis(150 + random.nextInt(200)).toNanos();
        while (System.nanoTime() < roundEnd) {
            Thread.sleep(random.nextInt(20, 80));
            if (random.nextBoolean()) {
                a.rotate();
                rotations++;
            } else {
                String rule = random.nextBoolean() ? provider + ":side" : provider + ":fault*";
                if (b.rules().contains(rule)) {
                    b.disable(rule);
                } else {
                    b.enable(rule);
                }
                ruleChanges++;
            }
        }
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        if (mutator != null) {
            mutator.join();
        }
        reporter.join();
        Session.Summary summaryA = a.stop();
        Session.Summary summaryB = b.stop();
        long firedMain = Arrays.stream(firedBy).sum();
        fired += firedMain;
        long recordedA = check(summaryA.chunks(), firers);
        check(summaryB.chunks(), firers);
        recorded += recordedA;
        lost += summaryA.lost();
        if (recordedA + summaryA.lost() != firedMain) {
            accountingErrors++;
            log.printf(
                    Locale.ROOT,
                    "ACCOUNTING: round %d: session A recorded %d + lost %d != fired %d%n",
                    rounds,
                    recordedA,
                    summaryA.lost(),
                    firedMain);
        }
        deleteTree(folder);
    }

    private Thread startFirer(int t, boolean platform, AtomicBoolean go, AtomicBoolean stop, long[] firedBy) {
        Runnable body = new Runnable() {
            @Override
            public void run() {
                while (!go.get()) {
                    Thread.onSpinWait();
                }
                byte[][] arrays = new byte[DATA_LENGTHS][]; // by length: reused, the firer writes them
                for (int length = 0; length < DATA_LENGTHS; length++) {
                    arrays[length] = new byte[length];
                }
                scribbledOn.add(arrays);
                long seq = 0;
                while (!stop.get()) {
                    if (platform) {
                        seq = fireBatch(t, seq, arrays);
                    } else { // a chain of virtual threads: each fires one batch and ends
                        long from = seq;
                        long[] next = {seq};
                        Thread generation = Thread.ofVirtual().start(() -> next[0] = fireBatch(t, from, arrays));
                        joinUninterruptibly(generation);
                        seq = next[0];
                    }
                    firedBy[t] = seq;
                }
            }
        };
        Thread thread = platform
                ? Thread.ofPlatform().name("tracer-torture-firer-" + t).start(body)
                : Thread.ofPlatform().name("tracer-torture-virtual-chain-" + t).start(body);
        return thread;
    }

    /** Fires main 200 times from {@code seq}, sides in between; returns the next seq. */
    private long fireBatch(int t, long seq, byte[][] arrays) {
        for (int i = 0; i < 200; i++, seq++) {
            byte[] data = arrays[(int) (seq % DATA_LENGTHS)];
            Arrays.fill(data, pattern(t, seq));
            main.fire().hit(t, seq, text(t, seq), data);
            if (i % 8 == 0) {
                sides.get(i % 16 == 0 ? 0 : 1).fire().hit(t, seq, "side", data);
            }
        }
        return seq;
    }

    /**
     * The reporter: late(seq, t, claimed) for seq = 0, 1, ..., t a moment 0-20 ms ago and never
     * before the last one (a reporter gives its events in time order), every 0-2 ms.
     */
    private Thread startReporter(AtomicBoolean go, AtomicBoolean stop) {
        long claimShift = settings.breakage() == Breakage.LATE_CLAIMS_LATER ? 50_000_000L : 0;
        return Thread.ofPlatform().name("tracer-torture-reporter").start(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!go.get()) {
                Thread.onSpinWait();
            }
            long last = Long.MIN_VALUE;
            for (long seq = 0; !stop.get(); seq++) {
                java.time.Instant now = java.time.Instant.now();
                long t = Math.max(
                        last, now.getEpochSecond() * 1_000_000_000L + now.getNano() - random.nextLong(20_000_000L));
                late.fire().late(seq, t, t + claimShift);
                last = t;
                java.util.concurrent.locks.LockSupport.parkNanos(random.nextLong(2_000_000L));
            }
        });
    }

    /** MUTATE_PAYLOAD: scribbles on the firers' arrays while they are fired (the application's own race). */
    private Thread startMutator(AtomicBoolean stop) {
        return Thread.ofPlatform().name("tracer-torture-mutator").start(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stop.get()) {
                for (byte[][] arrays : scribbledOn) {
                    Arrays.fill(arrays[random.nextInt(DATA_LENGTHS)], (byte) random.nextInt());
                }
            }
        });
    }

    /** The text of (t, seq): its length and characters follow from both; some are not ASCII. */
    static String text(long t, long seq) {
        int length = (int) ((seq * 7 + t) % 90);
        char c = (char) ('a' + (seq + t) % 26);
        String repeated = String.valueOf(c).repeat(length);
        return seq % 5 == 0 ? repeated + "é" + t : repeated;
    }

    /** The byte every element of the data of (t, seq) holds; its length is seq % DATA_LENGTHS. */
    private static byte pattern(long t, long seq) {
        return (byte) (t * 31 + seq);
    }

    /** Reads every chunk back and checks the main records; returns how many there were. */
    private long check(List<Path> chunks, int firers) throws IOException {
        java.util.BitSet[] seen = new java.util.BitSet[firers];
        for (int t = 0; t < firers; t++) {
            seen[t] = new java.util.BitSet();
        }
        long[] lastSeq = new long[firers];
        CtfEvent[] lastEvent = new CtfEvent[firers]; // for the report of an out-of-order record
        long count = 0;
        java.util.BitSet lateSeen = new java.util.BitSet();
        for (Path chunk : chunks) {
            Arrays.fill(lastSeq, -1); // order within a chunk: see the design note
            long lastLate = -1;
            java.util.Map<Long, Long> lastTimes = new java.util.HashMap<>(); // per stream
            try (CtfReader reader = CtfReader.open(chunk)) {
                checkPacketOrder(reader, chunk);
                for (CtfEvent event : reader) { // in time order: per logical thread, the firing order
                    checkEventTime(event, lastTimes, chunk);
                    if (event.name().equals(late.name())) {
                        lastLate = checkLate(event, lastLate, lateSeen, chunk);
                        continue;
                    }
                    if (!event.name().equals(main.name())) {
                        continue;
                    }
                    long t = (Long) event.field("thread");
                    long seq = (Long) event.field("seq");
                    count++;
                    if (!text(t, seq).equals(event.field("text")) || !expectedBytes(t, seq, event.field("data"))) {
                        if (torn++ < 5) {
                            log.printf(Locale.ROOT, "TORN: %s in %s%n", event, chunk);
                        }
                    }
                    boolean duplicate = seen[(int) t].get((int) seq);
                    seen[(int) t].set((int) seq);
                    if (duplicate || seq <= lastSeq[(int) t]) {
                        if (outOfOrder++ < 5) {
                            CtfEvent before = lastEvent[(int) t];
                            log.printf(
                                    Locale.ROOT,
                                    "OUT OF ORDER: thread %d seq %d (stream %d, time %d) after %d (stream %d, time %d) in"
                                            + " %s%n",
                                    t,
                                    seq,
                                    event.streamInstanceId(),
                                    event.timestamp(),
                                    lastSeq[(int) t],
                                    before == null ? -1 : before.streamInstanceId(),
                                    before == null ? -1 : before.timestamp(),
                                    chunk);
                        }
                    }
                    lastSeq[(int) t] = seq;
                    lastEvent[(int) t] = event;
                }
            }
        }
        return count;
    }

    /** The time-order oracle over one chunk's packets: per stream, each begins after the one before ended. */
    private void checkPacketOrder(CtfReader reader, Path chunk) {
        java.util.Map<Long, Long> lastEnd = new java.util.HashMap<>();
        for (io.tracepoint4j.ctf.CtfPacket packet : reader.packets()) {
            Long previous = lastEnd.put(packet.streamInstanceId(), packet.timestampEnd());
            if (packet.timestampBegin() > packet.timestampEnd()
                    || (previous != null && packet.timestampBegin() < previous)) {
                timeError("packet " + packet + " begins before the previous one of its stream ended (" + previous
                        + ") or after its own end, in " + chunk);
            }
        }
    }

    /**
     * The time-order oracle for one event: it lies within its packet, and not before the stream's
     * previous event ({@code lastTimes}, per stream). The merged iteration gives each stream's
     * events in file order (one cursor per stream), so this sees each stream as written.
     */
    private void checkEventTime(CtfEvent event, java.util.Map<Long, Long> lastTimes, Path chunk) {
        io.tracepoint4j.ctf.CtfPacket packet = event.packet();
        Long previous = lastTimes.put(event.streamInstanceId(), event.timestamp());
        if ((previous != null && event.timestamp() < previous)
                || event.timestamp() < packet.timestampBegin()
                || event.timestamp() > packet.timestampEnd()) {
            timeError(event + " goes back in its stream (after " + previous + ") or lies outside its packet " + packet
                    + ", in " + chunk);
        }
    }

    private void timeError(String what) {
        if (timeErrors++ < 5) {
            log.println("TIME ORDER: " + what);
        }
    }

    /** Checks a late record: once, in order within its chunk, not placed before its claimed time. */
    private long checkLate(CtfEvent event, long lastLate, java.util.BitSet seen, Path chunk) {
        long seq = (Long) event.field("seq");
        lateRecorded++;
        if (seen.get((int) seq) || seq <= lastLate) {
            if (outOfOrder++ < 5) {
                log.printf(Locale.ROOT, "OUT OF ORDER: late seq %d after %d in %s%n", seq, lastLate, chunk);
            }
        }
        seen.set((int) seq);
        java.time.Instant at = event.clock().toInstant(event.timestamp());
        long placed = at.getEpochSecond() * 1_000_000_000L + at.getNano();
        long claimed = (Long) event.field("claimedNanos");
        if (placed < claimed - 5_000_000L) {
            if (misplaced++ < 5) {
                log.printf(
                        Locale.ROOT,
                        "MISPLACED: %s at %d ns, %d ns before its time, in %s%n",
                        event,
                        placed,
                        claimed - placed,
                        chunk);
            }
        }
        return seq;
    }

    private static boolean expectedBytes(long t, long seq, Object value) {
        byte[] expected = new byte[(int) (seq % DATA_LENGTHS)];
        Arrays.fill(expected, pattern(t, seq));
        return value instanceof byte[] actual && Arrays.equals(actual, expected);
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void deleteRoot() {
        try {
            deleteTree(root);
        } catch (IOException e) {
            log.println("could not delete " + root + ": " + e);
        }
    }

    private static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
