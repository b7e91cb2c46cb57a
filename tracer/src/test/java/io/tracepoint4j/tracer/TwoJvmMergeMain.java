package io.tracepoint4j.tracer;

import io.tracepoint4j.Tracepoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One of the two JVMs of {@link TwoJvmMergeTest}: records a session of the tracepoint {@code
 * twojvm:tick} into the folder {@code args[1]}, firing it with its index {@code args[0]} when the
 * test says so, on stdin:
 *
 * <pre>
 * (starts the session)      -> ready clock=NAME
 * fire SEQ                  -> fired SEQ             (after tick(index, SEQ) returned)
 * stop                      -> stopped fired=N lost=M, exit 0
 * </pre>
 *
 * End of input without {@code stop} (the test died) stops the session and exits 1.
 */
public final class TwoJvmMergeMain {
    private TwoJvmMergeMain() {}

    /** The tracepoint's prototype: which JVM fired, and the test's sequence number. */
    public interface Tick {
        void tick(int jvm, long seq);
    }

    public static void main(String[] args) throws Exception {
        int index = Integer.parseInt(args[0]);
        Path folder = Path.of(args[1]);
        Tracepoint<Tick> tick = Tracepoint.define("twojvm:tick", Tick.class, "jvm", "seq");
        Session session =
                Session.builder("jvm" + index).enable("twojvm:*").output(folder).start();
        System.out.println("ready clock=" + session.clock().name());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        long fired = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.startsWith("fire ")) {
                long seq = Long.parseLong(line.substring("fire ".length()));
                tick.fire().tick(index, seq);
                fired++;
                System.out.println("fired " + seq);
                System.out.flush();
            } else if (line.equals("stop")) {
                Session.Summary summary = session.stop();
                System.out.println("stopped fired=" + fired + " lost=" + summary.lost());
                System.out.flush();
                return;
            } else {
                throw new IllegalArgumentException("unknown command: " + line);
            }
        }
        session.stop();
        System.exit(1);
    }
}
