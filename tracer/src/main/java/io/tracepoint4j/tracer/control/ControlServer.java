package io.tracepoint4j.tracer.control;

import io.tracepoint4j.Tracepoints;
import io.tracepoint4j.rcu.internal.LibraryThreads;
import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.tracer.Session;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The control socket of a JVM: a Unix domain socket in a folder only its user can enter, {@code
 * $TMPDIR/tracepoint4j-$USER/PID.sock}, on which the {@code tp} tool sends one request per line and
 * reads one response per line (tab-separated fields, UTF-8, each with backslash, line breaks and tab
 * escaped: see escape()):
 *
 * <pre>
 * record  FOLDER  MODE  SUB_BUFFER_SIZE  SUB_BUFFER_COUNT  GLOB  FILTER  [GLOB  FILTER ...]
 *                                          -> ok  FOLDER  N  [GLOB ...] (FILTER empty: every firing; N
 *                                             recorded now; then each GLOB that matches none now)
 * progress                                 -> ok  LOST  WRITTEN  (events lost, and written to the trace, so far)
 * stop                                     -> ok  LOST  FOLDER  WRITTEN  [FAILURE] (WRITTEN: events written
 *                                             to FOLDER's files; FAILURE: why the trace is incomplete, LOST
 *                                             then counts what it lacks)
 * stat    FILTER  GLOB  [GLOB ...]         -> ok  N  [GLOB ...]  (counting probes on N tracepoints; then
 *                                             each GLOB that matches none now)
 * counts                                   -> ok  NAME=COUNT  ...  (just ok while none is counted)
 * unstat                                   -> ok  NAME=COUNT  ... (the last counts; probes detached)
 * hist    FILTER  EVENT  FIELD             -> ok  NAME  1  (the one tracepoint EVENT matches), or
 *                                             ok  EVENT  0 (none yet: the first defined that it matches)
 * histogram                                -> ok  NAME  COUNT  SUM  MIN  MAX  BUCKET0 ... BUCKET64 (so far;
 *                                             NAME the tracepoint measured, - while none; error MESSAGE
 *                                             if the tracepoint defined later lacks the field)
 * unhist                                   -> ok  NAME  COUNT  SUM  MIN  MAX  BUCKET0 ... BUCKET64 (probe
 *                                             detached)
 * snapshot  FOLDER                         -> ok  FOLDER  [FOLDER ...] (the JVM's flight recorders; one
 *                                             that failed is a note, error if all did)
 * notes                                    -> ok  [NOTE ...] (what the connection's session, counters or
 *                                             histogram had to say since the last notes: a tracepoint
 *                                             left out, a trace that cannot be written; never printed
 *                                             in the target)
 * go                                       -> ok  [WHY] (a JVM the tool started, held at its first
 *                                             tracepoint until the tool is ready, runs on: StartGate;
 *                                             WHY: it ran on already, without the tool's go)
 * anything that fails                      -> error  MESSAGE
 * an argument that cannot be (a glob no name matches, a filter that does not parse or fit, a field
 * the tracepoint lacks)                    -> refused  MESSAGE
 * </pre>
 *
 * <p>Last words: while a connection records, counts ({@code stat}) or makes a histogram ({@code
 * hist}), the JVM's exit (its last thread ended, System.exit, Ctrl-C) sends it lines no request
 * asked for, between two answers, before the socket closes: first {@code exit  note  NOTE} for each
 * note not yet fetched, then, for stat and hist, {@code exit  NAME=COUNT ...} or {@code exit  NAME
 * COUNT  SUM ...}, the final counts (or {@code exit  error  MESSAGE} for a histogram whose
 * tracepoint, defined later, lacks the field): a short-lived command's counts and notes are whole,
 * not as of the last poll. (A JVM killed with SIGKILL runs no hook and says nothing.)
 *
 * <p>A connection owns the session it started and the counters of its {@code stat}: when the connection closes, however the tool
 * ended (SIGKILL included), its session is stopped and its trace written. When the last connection
 * closes and no other tool was told of the socket, the server closes it, deletes it and its thread
 * ends: the JVM is left as it was. A tool told of it that never connects (killed on the way) is
 * waited for unusedCloseMillis after the last open().
 *
 * <p>Concurrency: one accepting thread and one thread per connection, daemons; the server's state
 * (the socket, the connection count) is guarded by the class's monitor.
 */
final class ControlServer {
    /*
     * Memory ordering
     *   [SN] SESSIONS: an atomic counter, for unique session names only; no ordering relied on.
     */

    /** The tool's sessions started in this JVM, for their names: tp-PID-N. */
    private static final java.util.concurrent.atomic.AtomicLong SESSIONS = new java.util.concurrent.atomic.AtomicLong();

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private static ServerSocketChannel server; // guarded by ControlServer.class
    private static Path socket; // guarded by ControlServer.class
    private static int connections; // guarded by ControlServer.class
    /** When open() was last called, System.nanoTime(): a tool connects right after. Guarded by ControlServer.class. */
    private static long lastOpened;
    /**
     * Tools told of the socket by open() that have not connected yet: the socket stays for them
     * when the last connection closes (until unusedCloseMillis after the last open()). Guarded by
     * ControlServer.class.
     */
    private static int expected;
    /** The accepting thread's selector, woken when the socket closes. Guarded by ControlServer.class. */
    private static Selector accepting;

    /**
     * How long a socket opened for a tool that never connected (it was killed between the two)
     * stays: then it is closed and deleted, and its thread ends. Not final: tests shorten it.
     */
    static long unusedCloseMillis = 60_000;

    private ControlServer() {}

    /** Opens the socket if it is not open; returns its path. */
    static synchronized Path open() throws IOException {
        lastOpened = System.nanoTime();
        if (server != null) {
            expected++;
            return socket;
        }
        Path folder = folder();
        deleteSocketsOfEndedJvms(folder);
        Path path = folder.resolve(ProcessHandle.current().pid() + ".sock");
        Files.deleteIfExists(path); // a stale socket of an earlier JVM with this PID
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = null;
        try {
            channel.bind(UnixDomainSocketAddress.of(path));
            path.toFile().deleteOnExit(); // a JVM that exits with a connection open leaves none behind
            Files.setPosixFilePermissions(
                    path, EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
            selector = Selector.open();
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_ACCEPT);
            server = channel;
            socket = path;
            accepting = selector;
            expected = 1;
            LibraryThreads.start("tracepoint4j-control", new Acceptor(channel, selector));
        } catch (IOException | RuntimeException | Error e) {
            // no socket without its acceptor: a tool that connected to one would wait for an answer
            // for ever (a tracer brought into a module-path JVM failed here, and every later tool hung)
            server = null;
            socket = null;
            accepting = null;
            closeQuietly(selector, e);
            closeQuietly(channel, e);
            try {
                Files.deleteIfExists(path);
            } catch (IOException | RuntimeException notDeleted) {
                e.addSuppressed(notDeleted);
            }
            throw e;
        }
        return path;
    }

    /** Closes what a socket that never got its acceptor opened, adding a failure to {@code cause}. */
    private static void closeQuietly(java.io.Closeable opened, Throwable cause) {
        if (opened == null) {
            return;
        }
        try {
            opened.close();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * Deletes the sockets of JVMs that are gone: one killed with SIGKILL cannot delete its own (a
     * JVM that exits deletes it, deleteOnExit above). Never throws: they are only leftovers.
     */
    private static void deleteSocketsOfEndedJvms(Path folder) {
        try (java.nio.file.DirectoryStream<Path> sockets = Files.newDirectoryStream(folder, "*.sock")) {
            for (Path file : sockets) {
                String name = file.getFileName().toString();
                String pid = name.substring(0, name.length() - ".sock".length());
                if (isPid(pid) && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException | RuntimeException e) {
            // left for the next JVM that opens its socket
        }
    }

    /** Whether {@code text} is a process id: digits, not too many for a long. No lambda in runtime modules. */
    private static boolean isPid(String text) {
        if (text.isEmpty() || text.length() > 18) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!Character.isDigit(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** The folder of this user's control sockets, made if missing: see the class comment. */
    private static Path folder() throws IOException {
        Path folder = Path.of(System.getProperty("java.io.tmpdir"), "tracepoint4j-" + System.getProperty("user.name"));
        try {
            Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // made before (or by a JVM racing with this one): checked below as any other
        }
        PosixFileAttributes attributes =
                Files.readAttributes(folder, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isDirectory()
                || !attributes.permissions().equals(OWNER_ONLY)
                || !attributes.owner().getName().equals(System.getProperty("user.name"))) {
            throw new IOException(folder + " must be a folder of " + System.getProperty("user.name")
                    + " with permissions rwx------ (it is " + PosixFilePermissions.toString(attributes.permissions())
                    + ", owned by " + attributes.owner().getName() + "); remove it and try again");
        }
        return folder;
    }

    /**
     * Closes the socket if no connection is left and no tool told of it by open() is still to
     * connect; the accepting thread then ends.
     */
    private static synchronized void closeIfIdle(ServerSocketChannel channel) {
        if (server == channel && connections == 0 && expected == 0) {
            close(channel);
        }
    }

    /** Closes and deletes the socket, and wakes its accepting thread, which then ends. */
    private static synchronized void close(ServerSocketChannel channel) {
        if (server == channel) {
            try {
                channel.close();
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // closing a socket that failed: nothing else to undo
            }
            accepting.wakeup(); // its thread sees the socket closed and ends now, not at its next timeout
            server = null;
            socket = null;
            accepting = null;
        }
    }

    /**
     * Closes the socket if no tool is connected and none was told of it for unusedCloseMillis (one
     * killed between open() and its connect): returns whether it did.
     */
    private static synchronized boolean closeIfUnused(ServerSocketChannel channel) {
        if (server != channel) {
            return true; // closed already
        }
        if (connections > 0 || System.nanoTime() - lastOpened < unusedCloseMillis * 1_000_000L) {
            return false;
        }
        close(channel); // the tools expected did not come
        return true;
    }

    private static synchronized boolean connected(ServerSocketChannel channel) {
        if (server != channel) {
            return false;
        }
        connections++;
        expected = Math.max(0, expected - 1);
        return true;
    }

    private static synchronized void disconnected() {
        connections--;
    }

    private static final class Acceptor implements Runnable {
        private final ServerSocketChannel channel;
        private final Selector selector;
        /** Connections accepted, for the handlers' thread names; the accepting thread's own. */
        private int accepted;

        Acceptor(ServerSocketChannel channel, Selector selector) {
            this.channel = channel;
            this.selector = selector;
        }

        /** Accepts connections until the socket is closed, or unused for unusedCloseMillis (closeIfUnused). */
        @Override
        public void run() {
            try (Selector selector = this.selector) {
                while (channel.isOpen()) {
                    if (selector.select(unusedCloseMillis) == 0) {
                        if (closeIfUnused(channel)) {
                            return;
                        }
                        continue;
                    }
                    selector.selectedKeys().clear();
                    SocketChannel connection = channel.accept(); // null if the tool gave up already
                    if (connection != null && !serve(connection)) {
                        return;
                    }
                }
            } catch (IOException | java.nio.channels.ClosedSelectorException e) {
                close(channel); // closed already, or accepting failed: either way no tool can connect now
            }
        }

        /** Starts a connection's thread; false, with the connection closed, if the socket is closed. */
        private boolean serve(SocketChannel connection) throws IOException {
            connection.configureBlocking(true);
            if (!connected(channel)) {
                closeQuietly(connection);
                return false;
            }
            LibraryThreads.start("tracepoint4j-control-" + ++accepted, new Connection(channel, connection));
            return true;
        }
    }

    /**
     * One tool's connection and the session it started, stopped when the connection closes. Its
     * state is guarded by its monitor, held while a request is answered and while the last words
     * are said, so that a line is never written into another.
     */
    private static final class Connection implements Runnable {
        private final ServerSocketChannel server;
        private final SocketChannel channel;
        private PrintWriter out;
        private Session session;
        private Counts counts;
        private Histogram histogram;
        /** What its session, counters and histogram have to tell the tool: see Notes. */
        private final Notes notes = new Notes();
        /** Set by go(): the start gate opens once its answer is written. */
        private boolean letRun;
        /** Registered while it counts or makes a histogram: says the last counts at the JVM's exit. */
        private final Thread lastWords =
                LibraryThreads.unstarted("tracepoint4j-control-last-words", new LastWords(this));

        private boolean lastWordsRegistered;

        Connection(ServerSocketChannel server, SocketChannel channel) {
            this.server = server;
            this.channel = channel;
        }

        @Override
        public void run() {
            try (BufferedReader in = new BufferedReader(
                            new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
                    PrintWriter out = new PrintWriter(
                            new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8), true)) {
                synchronized (this) {
                    this.out = out;
                }
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    synchronized (this) {
                        out.println(answer(fieldsOf(line)));
                        updateLastWords();
                        if (letRun) { // after the answer is out: the command may exit at once, and the tool reads it
                            letRun = false;
                            io.tracepoint4j.control.StartGate.open();
                        }
                    }
                }
            } catch (IOException e) {
                // the tool went away: stop what it started, below
            } finally {
                try {
                    synchronized (this) {
                        try {
                            stopQuietly();
                        } finally {
                            updateLastWords();
                        }
                    }
                } finally {
                    disconnected();
                    closeIfIdle(server);
                }
            }
        }

        /** Registers the last words while something is recorded or counted, and removes them once nothing is. */
        private void updateLastWords() {
            boolean wanted = counts != null || histogram != null || session != null;
            if (wanted == lastWordsRegistered) {
                return;
            }
            try {
                if (wanted) {
                    Runtime.getRuntime().addShutdownHook(lastWords);
                } else {
                    Runtime.getRuntime().removeShutdownHook(lastWords);
                }
                lastWordsRegistered = wanted;
            } catch (IllegalStateException exiting) {
                // the JVM is exiting: its hooks are running, the last words among them if registered
            }
        }

        /** Says the counts, or the histogram, at the JVM's exit: see "Last words" in the class comment. */
        synchronized void sayLastWords() {
            if (out == null) {
                return;
            }
            for (String note : notes.take()) { // a command shorter than a second was never asked for them
                out.println("exit\tnote\t" + escape(note));
            }
            if (counts != null) {
                out.println(line("exit", counts.read()));
            } else if (histogram != null) {
                out.println(
                        histogram.problem() != null
                                ? "exit\terror\t" + escape(histogram.problem())
                                : "exit\t" + measured(histogram));
            }
        }

        private String answer(String[] request) {
            try {
                return switch (request[0]) {
                    case "record" -> record(request);
                    case "stop" -> stop();
                    case "progress" -> progress();
                    case "stat" -> stat(request);
                    case "counts" -> counts();
                    case "unstat" -> unstat();
                    case "hist" -> hist(request);
                    case "snapshot" -> snapshot(request);
                    case "histogram" -> histogram();
                    case "unhist" -> unhist();
                    case "go" -> go();
                    case "notes" -> notes();
                    default -> "error\tunknown request " + escape(request[0]);
                };
            } catch (IllegalArgumentException e) { // a glob, filter or field of the request (FilterException too)
                return "refused\t" + escape(String.valueOf(e.getMessage())); // a filter's message has a caret line
            } catch (IOException | RuntimeException e) {
                return "error\t" + escape(String.valueOf(e.getMessage()));
            }
        }

        private String record(String[] request) throws IOException {
            if (session != null) {
                return "error\tthis connection records already";
            }
            if (request.length < 7 || (request.length - 5) % 2 != 0) {
                return "error\trecord needs FOLDER MODE SUB_BUFFER_SIZE SUB_BUFFER_COUNT and GLOB FILTER pairs";
            }
            Session.Builder builder = Session.builder( // a name of its own: snapshots go below FOLDER by name
                            "tp-" + ProcessHandle.current().pid() + "-" + SESSIONS.incrementAndGet()) // [SN]
                    .output(Path.of(request[1]))
                    .mode(Mode.valueOf(request[2]))
                    .subBufferSize(Integer.parseInt(request[3]))
                    .subBufferCount(Integer.parseInt(request[4]))
                    .warnings(notes); // for the tool, not the target's console
            for (int i = 5; i < request.length; i += 2) {
                builder.enable(request[i], request[i + 1].isEmpty() ? null : request[i + 1]);
            }
            session = builder.start();
            List<String> recorded = session.recorded();
            List<String> unmatched = new java.util.ArrayList<>();
            for (int i = 5; i < request.length; i += 2) {
                if (!matchesAny(request[i], recorded)) {
                    unmatched.add(request[i]); // a glob that matches nothing now: a typo?
                }
            }
            return line("ok\t" + escape(session.folder().toString()) + "\t" + recorded.size(), escaped(unmatched));
        }

        /** The notes waiting for the tool; none wait after it. */
        private String notes() {
            return line("ok", escaped(notes.take()));
        }

        private String progress() {
            if (session == null) {
                return "error\tthis connection records nothing";
            }
            long lost = 0;
            for (io.tracepoint4j.ringbuffer.Loss cause : io.tracepoint4j.ringbuffer.Loss.values()) {
                lost += session.lost(cause);
            }
            return "ok\t" + lost + "\t" + session.eventsWritten();
        }

        private static boolean matchesAny(String glob, List<String> names) {
            for (String name : names) {
                if (Tracepoints.matches(glob, name)) {
                    return true;
                }
            }
            return false;
        }

        private String stop() throws IOException {
            if (session == null) {
                return "error\tthis connection records nothing";
            }
            Session.Summary summary;
            String failure = "";
            Session stopping = session;
            try {
                summary = stopping.stop();
            } catch (Session.IncompleteTrace e) { // the trace holds what was written; the rest is lost
                summary = e.summary();
                failure = "\t" + escape(e.getMessage());
            } finally {
                session = null;
            }
            // the events written: what the trace holds, unless its folder went away meanwhile
            return "ok\t" + summary.lost() + "\t" + escape(summary.folder().toString()) + "\t"
                    + stopping.eventsWritten() + failure;
        }

        private String stat(String[] request) {
            if (counts != null) {
                return "error\tthis connection counts already";
            }
            if (request.length < 3) {
                return "error\tstat needs FILTER and GLOBs";
            }
            counts = new Counts(java.util.Arrays.asList(request).subList(2, request.length), request[1], notes);
            return line("ok\t" + counts.read().size(), escaped(counts.unmatchedAtStart())); // typos?
        }

        private String counts() {
            if (counts == null) {
                return "error\tthis connection counts nothing";
            }
            return line("ok", counts.read());
        }

        private String unstat() {
            if (counts == null) {
                return "error\tthis connection counts nothing";
            }
            counts.close(); // first: no firing adds to them while they are read
            List<String> last = counts.read();
            counts = null;
            return line("ok", last);
        }

        /** Snapshots every flight recorder (OVERWRITE session) of the JVM: one into FOLDER, several below it by name. */
        private String snapshot(String[] request) throws IOException {
            if (request.length != 2) {
                return "error\tsnapshot needs FOLDER";
            }
            List<Session> recorders = new java.util.ArrayList<>();
            for (Session running : Session.running()) {
                if (running.mode() == Mode.OVERWRITE) {
                    recorders.add(running);
                }
            }
            if (recorders.isEmpty()) {
                return "error\tno flight recorder runs in this JVM: start a session in OVERWRITE mode"
                        + " (Session.builder(NAME).mode(io.tracepoint4j.ringbuffer.Mode.OVERWRITE)), or keep one"
                        + " running from another shell: tp record --pid "
                        + ProcessHandle.current().pid()
                        + " --mode overwrite -e GLOB";
            }
            Path folder = Path.of(request[1]);
            StringBuilder answer = new StringBuilder("ok");
            List<String> failed = new java.util.ArrayList<>();
            for (Session recorder : recorders) {
                Path into = recorders.size() == 1 ? folder : folder.resolve(recorder.name());
                try {
                    answer.append('\t').append(escape(recorder.snapshot(into).toString()));
                } catch (IOException | RuntimeException e) { // one recorder's failure: the others' snapshots stand
                    failed.add((recorders.size() == 1 ? "" : "session " + recorder.name() + ": ") + e.getMessage());
                }
            }
            if (failed.size() == recorders.size()) {
                return "error\t" + escape(String.join("; ", failed));
            }
            for (String failure : failed) {
                notes.accept("no snapshot of " + failure); // the tool says them after the folders written
            }
            return answer.toString();
        }

        private String hist(String[] request) {
            if (histogram != null) {
                return "error\tthis connection makes a histogram already";
            }
            if (request.length != 4) {
                return "error\thist needs FILTER EVENT FIELD";
            }
            histogram = new Histogram(request[2], request[3], request[1], notes);
            String name = histogram.name();
            return name != null ? "ok\t" + name + "\t1" : "ok\t" + escape(request[2]) + "\t0";
        }

        /** The histogram so far, the connection's histogram still made (tp hist reads it every second). */
        private String histogram() {
            if (histogram == null) {
                return "error\tthis connection makes no histogram";
            }
            if (histogram.problem() != null) {
                return "error\t" + escape(histogram.problem());
            }
            return "ok\t" + measured(histogram);
        }

        private String unhist() {
            if (histogram == null) {
                return "error\tthis connection makes no histogram";
            }
            histogram.close(); // first: no firing adds to it while it is read
            String last = measured(histogram);
            String problem = histogram.problem();
            histogram = null;
            return problem != null ? "error\t" + escape(problem) : "ok\t" + last;
        }

        /**
         * The tool's session or counters are in place: a JVM it started may run on past its first
         * define, once the answer is written (run()).
         */
        private String go() {
            letRun = true;
            String ranOn = io.tracepoint4j.control.StartGate.ranOnWithoutTool();
            return ranOn == null ? "ok" : "ok\t" + escape(ranOn);
        }

        private void stopQuietly() {
            if (histogram != null) {
                histogram.close();
                histogram = null;
            }
            if (counts != null) {
                counts.close();
                counts = null;
            }
            if (session != null) {
                try {
                    session.stop();
                } catch (IOException | RuntimeException e) {
                    // the trace stays readable up to its last complete packet
                }
                session = null;
            }
            closeQuietly(channel);
        }
    }

    /** A connection's shutdown hook: a class, not a lambda (no invokedynamic in runtime modules). */
    private static final class LastWords implements Runnable {
        private final Connection connection;

        LastWords(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void run() {
            connection.sayLastWords();
        }
    }

    /** The histogram's fields: the name of the tracepoint it measures ("-" while none), then Histogram.read()'s. */
    private static String measured(Histogram histogram) {
        String name = histogram.name();
        return (name == null ? "-" : name) + "\t" + histogram.read();
    }

    /** Each of {@code fields} escaped, for line(). */
    private static List<String> escaped(List<String> fields) {
        List<String> escaped = new java.util.ArrayList<>(fields.size());
        for (String field : fields) {
            escaped.add(escape(field));
        }
        return escaped;
    }

    /** {@code head} and then each of {@code fields}, tab-separated: just {@code head} when there are none. */
    static String line(String head, List<String> fields) {
        return fields.isEmpty() ? head : head + "\t" + String.join("\t", fields);
    }

    /**
     * A field of an answer: backslash, line breaks and tab escaped. The tool's ControlSocket escapes
     * the fields of its requests in the same way and undoes this (mirrored there, the cli not
     * compiling against the tracer; checked together end to end by the cli's ControlFieldsTest).
     */
    static String escape(String text) {
        return text.replace("\\", "\\\\")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
                .replace("\t", "\\t");
    }

    /** The fields of a request, tab-separated, each unescaped: a filter or a folder may hold a tab or a line break. */
    static String[] fieldsOf(String line) {
        String[] fields = line.split("\t", -1);
        for (int i = 0; i < fields.length; i++) {
            fields[i] = unescape(fields[i]);
        }
        return fields;
    }

    /** Undoes escape(), as the tool's ControlSocket does (mirrored there). */
    private static String unescape(String field) {
        StringBuilder text = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 1 < field.length()) {
                char next = field.charAt(++i);
                text.append(next == 'n' ? '\n' : next == 'r' ? '\r' : next == 't' ? '\t' : next);
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
