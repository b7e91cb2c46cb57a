package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;

/** A tp command run in this JVM, as the tests run them: its exit status and what it printed. */
record TpCommand(int status, String out, String err) {
    /** Runs {@code tp ARGS} in process (each argument's toString). */
    static TpCommand run(Object... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Tp.run(new PrintWriter(out), new PrintWriter(err, true), strings(args));
        return new TpCommand(status, out.toString(), err.toString());
    }

    /**
     * Starts {@code tp ARGS} in process on a thread of its own and returns once its first line of
     * output begins with {@code started} (say, "recording"), for a test to act while it runs.
     */
    static Running start(String started, Object... args) throws InterruptedException {
        Running running = new Running(strings(args));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!running.out.toString().startsWith(started)
                && running.thread.isAlive()
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(running.out.toString()).as("stderr: %s", running.err).startsWith(started);
        return running;
    }

    /** A tp command running on a thread of its own: {@link #end()} waits for it. */
    static final class Running {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        private final int[] status = {-1};
        final Thread thread;

        private Running(String[] argv) {
            thread = Thread.ofPlatform()
                    .name("tp " + String.join(" ", argv))
                    .start(() -> status[0] = Tp.run(new PrintWriter(out, true), new PrintWriter(err, true), argv));
        }

        /** What it printed so far. */
        String out() {
            return out.toString();
        }

        /** Waits (60 s at most) until it ended; its status and what it printed. */
        TpCommand end() throws InterruptedException {
            thread.join(60_000);
            assertThat(thread.isAlive()).as("tp still running; stderr: %s", err).isFalse();
            return new TpCommand(status[0], out.toString(), err.toString());
        }
    }

    private static String[] strings(Object... args) {
        String[] argv = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].toString();
        }
        return argv;
    }
}
