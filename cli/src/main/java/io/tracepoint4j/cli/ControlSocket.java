package io.tracepoint4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A connection to a running JVM's control socket (the tracer's ControlServer, see
 * docs/design/control-channel.md), opened through {@link TargetJvm}, whose JMX agent is stopped
 * before this returns: one request per line, one answer per line, tab-separated, the first field
 * {@code ok} or {@code error}. What the connection starts in the target ends when it closes.
 */
final class ControlSocket implements AutoCloseable {
    private final long pid;
    private final SocketChannel channel;
    private final BufferedReader in;
    private final PrintWriter out;
    /** The target's last words (its final counts, said as it exited), {@code ok} first; null before. */
    private String[] lastWords;
    /** When they were read, in System.nanoTime(). */
    private long lastWordsAt;
    /** Why the target could not say its last words ({@code exit  error  MESSAGE}); null if it did, or said none. */
    private String lastWordsError;
    /**
     * Whether the target closed the socket (read at its end, or failed): it is exiting, or its
     * control socket is gone. Set by the thread that requests, read by waitForTheEnd on the same
     * thread (everySecond runs there).
     */
    private boolean closedByTarget;
    /** The notes the target said as it exited ({@code exit  note  NOTE}), not said here yet. */
    private final List<String> lastNotes = new ArrayList<>();

    ControlSocket(long pid, SocketChannel channel) {
        this.pid = pid;
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = new PrintWriter(
                new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8), true);
    }

    /** Connects to {@code pid}'s control socket, opening it. */
    static ControlSocket connect(long pid) throws IOException {
        Path socket;
        try (TargetJvm target = TargetJvm.attach(pid)) {
            socket = target.openChannel();
        }
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            channel.close();
            throw new CommandFailure(
                    ProcessHandle.of(pid).isEmpty()
                            ? "PID " + pid + " exited before it could be reached"
                            : "PID " + pid + ": cannot connect to its control socket " + socket + ": "
                                    + e.getMessage());
        }
        return new ControlSocket(pid, channel);
    }

    /**
     * Sends the request made of {@code fields} (the request's name first; each escaped, so that a
     * filter or a folder may hold a tab or a line break) and returns the answer's fields, {@code
     * ok} first, unescaped.
     *
     * @throws CommandFailure with the target's message if it answers {@code error} or {@code
     *     refused} (an argument: a usage error), or if the socket closed
     */
    String[] request(String... fields) {
        StringBuilder request = new StringBuilder();
        for (String field : fields) {
            request.append(request.isEmpty() ? "" : "\t").append(escape(field));
        }
        try {
            out.println(request);
            String line = in.readLine();
            while (line != null
                    && (line.equals("exit")
                            || line.startsWith("exit\t"))) { // said as it exits, then the answer, if any
                keepLastWords(line);
                line = in.readLine();
            }
            if (line == null) {
                closedByTarget = true;
                throw new CommandFailure(
                        ProcessHandle.of(pid).isEmpty()
                                ? "PID " + pid + " exited"
                                : "PID " + pid + " closed its control socket");
            }
            String[] answer = fieldsOf(line);
            if (!answer[0].equals("ok")) {
                String message = "PID " + pid + ": " + (answer.length > 1 ? answer[1] : line);
                throw answer[0].equals("refused")
                        ? CommandFailure.refusedArgument(message)
                        : CommandFailure.answeredError(message);
            }
            return answer;
        } catch (IOException e) {
            closedByTarget = true;
            throw new CommandFailure("PID " + pid + ": the control socket failed: " + e.getMessage());
        }
    }

    private void keepLastWords(String line) {
        String[] fields = fieldsOf(line);
        if (fields.length > 2 && fields[1].equals("note")) { // a note said as it exited: for sayNotes
            lastNotes.add(fields[2]);
            return;
        }
        if (fields.length > 2 && fields[1].equals("error")) { // it could not say them: why
            lastWordsError = fields[2];
            return;
        }
        fields[0] = "ok";
        lastWords = fields;
        lastWordsAt = System.nanoTime();
    }

    /**
     * The answer to {@code request}, the one that ends a command (stop, unstat, unhist); or null if
     * the target exited first, for the caller to fall back on what it read last.
     *
     * @throws CommandFailure as {@link #request}, when the target is still there
     */
    String[] lastRequest(String... request) {
        try {
            return request(request);
        } catch (CommandFailure e) {
            if (!exits(pid)) {
                throw e;
            }
            return null;
        }
    }

    /**
     * Whether {@code pid} is gone, or goes within 2 s: a socket that failed as it exited. Polls
     * isAlive() itself: the JDK polls a process that is not this one's child for onExit() less
     * and less often (every 5 s after a few minutes), and that pace would outlast the 2 s.
     */
    private static boolean exits(long pid) {
        java.util.Optional<ProcessHandle> process = ProcessHandle.of(pid);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (process.isPresent() && process.get().isAlive()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !process.get().isAlive();
            }
        }
        return true;
    }

    /**
     * Sends {@code request} every time it runs (once a second, from {@link #waitForTheEnd}) and keeps
     * the last answer: what {@code stat} and {@code hist} show if the target exits before their end
     * ({@link #finish}).
     */
    final class Poll implements Runnable {
        private final String request;
        private String[] answer;
        private long answeredAt;
        private boolean exited;
        private boolean finalCounts;

        Poll(String request) {
            this.request = request;
        }

        @Override
        public void run() {
            try {
                answer = request(request);
                answeredAt = System.nanoTime();
            } catch (CommandFailure e) {
                if (e.answered()) {
                    throw e; // what it counts failed (a tracepoint defined later without the field): said now
                }
                // else the target is ending: the last answer stands
            }
        }

        /**
         * The answer to {@code last}, the request that ends the command (unstat, unhist); or, if the
         * target exited first, its last words (the final counts it said as it exited, see the
         * tracer's ControlServer), else the last answer polled ({@link #exited()} and {@link
         * #finalCounts()} then say which).
         *
         * @param what what the answers hold, for the failure's message ("count", "histogram")
         * @throws CommandFailure as {@link #lastRequest}, or if the target exited before any answer
         */
        String[] finish(String last, String what) {
            String[] answered = lastRequest(last);
            if (answered == null && lastWordsError != null) {
                throw new CommandFailure("PID " + pid + ": " + lastWordsError);
            }
            if (answered != null) {
                answeredAt = System.nanoTime();
                return answered;
            }
            exited = true;
            if (lastWords != null && (answer == null || answeredAt <= lastWordsAt)) { // said as it exited
                finalCounts = true;
                answeredAt = lastWordsAt;
                return lastWords;
            }
            if (lastWords != null) { // a poll answered after the last words, while its other hooks ran: newer
                finalCounts = true;
                return answer;
            }
            if (answer == null) {
                throw new CommandFailure("PID " + pid + " exited before its first " + what + " was read");
            }
            return answer;
        }

        /** Whether the target exited before {@link #finish}'s request was answered. */
        boolean exited() {
            return exited;
        }

        /**
         * Whether {@link #finish} gave the counts the target said as it exited (its last words),
         * rather than the last answer polled, up to a second old.
         */
        boolean finalCounts() {
            return finalCounts;
        }

        /** When the answer {@link #finish} gave came, in System.nanoTime(). */
        long answeredAt() {
            return answeredAt;
        }
    }

    /**
     * Prints on {@code err} what the target's side of this connection had to tell since the last
     * call (a tracepoint defined later that the filter does not fit, a trace it cannot write: the
     * tracer's notes, which the target never prints itself), one line each, {@code tp TOOL: PID N:
     * NOTE}, those it said as it exited first. Asks nothing of a target that closed the socket.
     * Returns the number of notes said.
     */
    int sayNotes(PrintWriter err, String tool) {
        return sayNotes(err, tool, null);
    }

    /** As {@link #sayNotes(PrintWriter, String)}, running {@code beforeFirst} (if not null) before a first note. */
    private int sayNotes(PrintWriter err, String tool, Runnable beforeFirst) {
        List<String> notes = new ArrayList<>();
        if (!closedByTarget) {
            try {
                String[] answer = request("notes");
                notes.addAll(Arrays.asList(answer).subList(1, answer.length));
            } catch (CommandFailure e) {
                if (e.answered()) {
                    throw e;
                }
                // the target is ending: the notes it said as it exited, below, are all there are
            }
        }
        notes.addAll(0, lastNotes); // said as it exited: before any answered after them
        lastNotes.clear();
        if (!notes.isEmpty() && beforeFirst != null) {
            beforeFirst.run();
        }
        for (String note : notes) {
            err.println("tp " + tool + ": PID " + pid + ": " + note);
        }
        err.flush();
        return notes.size();
    }

    /**
     * Waits until {@code seconds} pass (null: no limit), Ctrl-C is pressed (or TERM sent), or the
     * target exits; runs {@code everySecond} (if not null) once a second meanwhile, and then says
     * the target's notes ({@link #sayNotes}) on {@code err}, after {@code beforeNotes} (if not
     * null: ending a progress line rewritten in place). After Ctrl-C it returns at once, and the
     * JVM's exit waits (up to {@link Tp#FINISH_SECONDS}) until the command has stopped what it
     * started and printed its results, as perf stat does on Ctrl-C.
     */
    void waitForTheEnd(Double seconds, Runnable everySecond, Runnable beforeNotes, PrintWriter err, String tool)
            throws InterruptedException {
        // the target's exit: its process ends (noticed by polling, for a process not this JVM's
        // child), or it closes the socket, which a request of everySecond finds first
        CountDownLatch end = new CountDownLatch(1);
        Thread hook = new Thread(new CountDown(end), "tp: Ctrl-C");
        Runtime.getRuntime().addShutdownHook(hook);
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().thenRun(end::countDown));
        long deadline = seconds == null ? Long.MAX_VALUE : System.nanoTime() + Math.round(seconds * 1e9);
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || end.await(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS)) {
                    break;
                }
                if (everySecond != null) {
                    everySecond.run(); // may throw: what it polls failed
                }
                sayNotes(err, tool, beforeNotes);
                if (closedByTarget) {
                    break; // it is exiting: its process may still look alive a moment (not this JVM's child)
                }
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException exiting) {
                // Ctrl-C: the JVM exits once the command returns; the caller's stop runs first
            }
        }
    }

    /** The Ctrl-C hook: ends the wait, then holds the exit until the command has printed its results. */
    private record CountDown(CountDownLatch latch) implements Runnable {
        @Override
        public void run() {
            latch.countDown();
            Tp.awaitFinished();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** The fields of an answer, tab-separated, each unescaped. */
    private static String[] fieldsOf(String line) {
        String[] fields = line.split("\t", -1);
        for (int i = 0; i < fields.length; i++) {
            fields[i] = unescape(fields[i]);
        }
        return fields;
    }

    /**
     * A field of a request: backslash, line breaks and tab escaped, as the tracer's ControlServer
     * escapes the fields of its answers (its unescape undoes this; the two sides are mirrored, the
     * cli not compiling against the tracer, and checked together end to end by ControlFieldsTest).
     */
    static String escape(String text) {
        return text.replace("\\", "\\\\")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
                .replace("\t", "\\t");
    }

    /** Undoes the escapes of backslash, line breaks and tab (ControlServer.escape, and escape here). */
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
}
