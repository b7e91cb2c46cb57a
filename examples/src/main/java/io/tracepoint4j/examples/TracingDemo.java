package io.tracepoint4j.examples;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import io.tracepoint4j.jfr.JvmTracepoints;
import io.tracepoint4j.ringbuffer.Loss;
import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.tracer.Session;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code ./tp demo [--out DIR] [--seconds S]}: a small instrumented service, traced ({@code
 * ./tp demo --serve SECONDS}: the same service untraced, a live target for the control commands). Worker threads
 * and virtual threads serve requests that fire regular tracepoints ({@code web:request},
 * {@code db:query}); reading a file fires a faultable one ({@code fs:read}), whose audit probe
 * really blocks: it reads the file's attributes, as the kernel's syscall probes read user memory.
 * A session records {@code web:*}, {@code db:*} and {@code fs:*} into a CTF trace in DIR (default: a
 * new folder here), and the demo prints the events per tracepoint, the lost ones, and the
 * babeltrace2 command that opens the trace. Its last line is exactly
 * {@code events recorded: N, lost: M}, and babeltrace2 prints N events for DIR.
 */
public final class TracingDemo {
    /** An HTTP request served. */
    public interface Request {
        void request(String method, String path, int status, long nanos);
    }

    /** A database query run. */
    public interface Query {
        void query(String sql, int rows);
    }

    /** A file read: faultable, its probes may block. */
    public interface Read {
        void read(String path, long bytes);
    }

    static final Tracepoint<Request> REQUEST =
            Tracepoint.define("web:request", Request.class, "method", "path", "status", "nanos");
    static final Tracepoint<Query> QUERY = Tracepoint.define("db:query", Query.class, "sql", "rows");
    static final Tracepoint<Read> READ = Tracepoint.defineFaultable("fs:read", Read.class, "path", "bytes");

    private static final String[] PATHS = {"/", "/orders", "/orders/42", "/users/7", "/health"};

    private TracingDemo() {}

    public static void main(String[] args) throws Exception {
        Path out = null;
        Duration duration = Duration.ofSeconds(2);
        Duration serve = null;
        boolean flightRecorder = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-h", "--help" -> {
                    System.out.println("Usage: tp " + Demo.USAGE);
                    return;
                }
                case "--out" -> out = Path.of(Demo.value(args, i++, "a folder"));
                case "--seconds" -> duration = Duration.ofSeconds(Demo.whole(args, i++, 9_999, "seconds"));
                case "--serve" -> serve = Duration.ofSeconds(Demo.whole(args, i++, 999_999, "seconds"));
                case "--flight-recorder" -> flightRecorder = true;
                default -> throw Demo.usageError("unknown argument '" + args[i] + "'");
            }
        }
        if (flightRecorder && serve == null) {
            throw Demo.usageError("--flight-recorder goes with --serve SECONDS");
        }
        if (serve != null) {
            serve(System.out, serve, flightRecorder);
            return;
        }
        if (out == null) {
            out = Path.of(
                    "tracepoint4j-demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        run(System.out, out, duration);
    }

    /** Runs the service for {@code duration} while a session records it into {@code out}; prints the summary. */
    static Result run(PrintStream out, Path folder, Duration duration) throws Exception {
        Path file = Files.createTempFile("tracepoint4j-demo", ".txt");
        file.toFile().deleteOnExit(); // also when stopped early (Ctrl-C)
        Files.writeString(file, "what the service reads\n".repeat(100));
        Read audit = (path, bytes) -> {
            try {
                Files.readAttributes(Path.of(path), "basic:size"); // really blocks: a file system call
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        };
        READ.register(audit);
        Session session;
        Session.Summary summary;
        try {
            session = serviceSession("demo", folder).start();
            out.println("recording web:*, db:*, fs:* into " + folder + " for " + duration.toSeconds() + " s ("
                    + session.clock() + ")");
            load(file, duration, 50_000, 0);
            summary = session.stop();
        } finally {
            READ.unregister(audit);
            Files.delete(file); // also when the session could not start (a folder in the way)
        }

        Map<String, Long> perEvent = new TreeMap<>();
        long recorded = 0;
        try (CtfReader reader = CtfReader.open(folder)) {
            for (CtfEvent event : reader) {
                perEvent.merge(event.name(), 1L, Long::sum);
                recorded++;
            }
        }
        long lost = 0;
        for (Loss cause : Loss.values()) {
            lost += session.lost(cause);
        }
        out.println("events per tracepoint:");
        for (Map.Entry<String, Long> entry : perEvent.entrySet()) {
            out.printf(
                    "  %-22s %,d%s%n",
                    entry.getKey(),
                    entry.getValue(),
                    entry.getKey().equals("tracepoint4j:thread") ? "  (one per thread: its name)" : "");
        }
        out.printf(
                "lost: %,d (buffer full %,d, busy sub-buffer %,d, too large %,d, nested too deep %,d,"
                        + " held up by an abandoned record %,d)%n",
                lost,
                session.lost(Loss.BUFFER_FULL),
                session.lost(Loss.SUB_BUFFER_BUSY),
                session.lost(Loss.TOO_LARGE),
                session.lost(Loss.NESTING),
                session.lost(Loss.ABANDONED));
        out.println("trace: " + summary.folder().toAbsolutePath());
        out.println("open it with: babeltrace2 " + summary.folder().toAbsolutePath());
        out.println("events recorded: " + recorded + ", lost: " + lost);
        return new Result(recorded, lost);
    }

    /** A session of the service's tracepoints, web:*, db:* and fs:*, into {@code folder}. */
    private static Session.Builder serviceSession(String name, Path folder) {
        return Session.builder(name)
                .enable("web:*")
                .enable("db:*")
                .enable("fs:*")
                .output(folder);
    }

    /**
     * {@code ./tp demo --serve SECONDS [--flight-recorder]}: the service for {@code duration}, at a
     * steady pace that leaves the machine to the tools: a live target for {@code ./tp list},
     * {@code record}, {@code stat}. Untraced (no session, no probe), unless {@code flightRecorder}:
     * then a flight recorder (an OVERWRITE session) keeps its newest events for {@code ./tp
     * snapshot}, and writes what it holds at the end (also at a {@code kill PID}, by the session's
     * shutdown hook) to a folder {@code tracepoint4j-flight-PID} here. Prints its PID alone on the
     * first line, for scripts.
     */
    static void serve(PrintStream out, Duration duration, boolean flightRecorder) throws Exception {
        JvmTracepoints.define(); // jvm:gc_pause & co.: JFR streams one only while a tool records it
        long pid = ProcessHandle.current().pid();
        out.println(pid);
        out.println("serving for " + duration.toSeconds()
                + " s: tracepoints web:request, db:query, fs:read, and jvm:* (GC pauses, safepoints, ...)");
        if (!flightRecorder) {
            out.println("no session of its own: trace it with ./tp record --pid " + pid + " -e 'web:*'");
        }
        Session recorder = null;
        if (flightRecorder) {
            Path folder = Path.of("tracepoint4j-flight-" + pid).toAbsolutePath();
            recorder = serviceSession("flight", folder).mode(Mode.OVERWRITE).start();
            out.println("a flight recorder keeps the newest events: ./tp snapshot --pid " + pid
                    + " -o DIR writes them; at the end they go to " + folder);
        }
        out.flush();
        Path file = Files.createTempFile("tracepoint4j-demo", ".txt");
        file.toFile().deleteOnExit(); // also when stopped early (kill PID, Ctrl-C)
        try {
            Files.writeString(file, "what the service reads\n".repeat(100));
            load(file, duration, Integer.MAX_VALUE, 1);
        } finally {
            Files.deleteIfExists(file);
            if (recorder != null) {
                recorder.stop();
            }
        }
        out.println("served for " + duration.toSeconds() + " s");
    }

    /**
     * Two worker threads serve up to {@code perWorker} requests each, pausing {@code pauseMillis}
     * between two, while virtual threads serve 200 short bursts every 50 ms, for {@code duration}.
     */
    private static void load(Path file, Duration duration, int perWorker, long pauseMillis)
            throws InterruptedException {
        AtomicBoolean serving = new AtomicBoolean(true);
        Thread[] workers = new Thread[2];
        for (int w = 0; w < workers.length; w++) {
            workers[w] =
                    Thread.ofPlatform().name("worker-" + w).start(() -> serve(serving, file, perWorker, pauseMillis));
        }
        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end) {
                for (int v = 0; v < 200; v++) {
                    virtual.submit(() -> serve(null, file, 20, 0));
                }
                Thread.sleep(50);
            }
        } finally {
            serving.set(false); // also if this thread fails: the workers must not keep the JVM alive
        }
        for (Thread worker : workers) {
            worker.join();
        }
    }

    /** A request's status: /users/7 is not found, and one order request in 50 finds the service unavailable. */
    private static int status(String path, ThreadLocalRandom random) {
        if (path.equals("/users/7")) {
            return 404;
        }
        return path.startsWith("/orders") && random.nextInt(50) == 0 ? 503 : 200;
    }

    /**
     * Serves requests until {@code serving} turns false, or {@code count} of them if it is null,
     * sleeping {@code pauseMillis} between two.
     */
    private static void serve(AtomicBoolean serving, Path file, int count, long pauseMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < count && (serving == null || serving.get()); i++) {
            long start = System.nanoTime();
            String path = PATHS[random.nextInt(PATHS.length)];
            if (path.startsWith("/orders")) {
                QUERY.fire().query("select * from orders where id = ?", random.nextInt(10));
            }
            if (path.equals("/health")) {
                READ.fire().read(file.toString(), 2300);
            }
            REQUEST.fire().request("GET", path, status(path, random), System.nanoTime() - start);
            if (pauseMillis > 0) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } else if (serving != null && (i & 1023) == 0) {
                Thread.onSpinWait();
            }
        }
    }

    /** What the demo recorded. */
    record Result(long recorded, long lost) {}
}
