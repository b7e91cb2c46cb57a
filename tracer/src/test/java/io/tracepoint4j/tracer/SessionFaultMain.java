package io.tracepoint4j.tracer;

import io.tracepoint4j.Tracepoint;
import java.nio.file.Path;

/**
 * A traced application, forked by {@link OutputFaultTest}: {@code disk-full DIR} records into DIR
 * on a file system that fills up (the test limits the file size) and stops; {@code exit DIR}
 * records and exits without stopping, leaving the session to the shutdown hook. Prints {@code
 * fired: N}, and what stop() threw with the losses it counted ({@code lost: M}).
 */
public final class SessionFaultMain {
    /** The traced call. */
    public interface Work {
        void work(long n, String what);
    }

    private static final Tracepoint<Work> WORK = Tracepoint.define("fault:work", Work.class, "n", "what");

    private SessionFaultMain() {}

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[1]);
        Session session = Session.builder("fault")
                .enable("fault:*")
                .output(folder)
                .buffers(1)
                .subBufferSize(16 * 1024)
                .subBufferCount(64)
                .start();
        switch (args[0]) {
            case "disk-full" -> {
                long fired = fire(400_000, true);
                System.out.println("fired: " + fired);
                try {
                    Session.Summary summary = session.stop();
                    System.out.println("stopped: " + summary);
                } catch (Session.IncompleteTrace e) {
                    System.out.println("stop failed: " + e.getMessage());
                    System.out.println("lost: " + e.summary().lost());
                }
            }
            case "exit" -> {
                long fired = fire(20_000, false);
                System.out.println("fired: " + fired);
                System.out.flush();
                System.exit(0); // the session still runs: the shutdown hook stops it
            }
            default -> throw new IllegalArgumentException("disk-full or exit, not " + args[0]);
        }
    }

    /** Fires {@code count} events; with {@code paced}, pauses now and then so the drain keeps up. */
    private static long fire(int count, boolean paced) throws InterruptedException {
        for (int i = 0; i < count; i++) {
            WORK.fire().work(i, "some work to record");
            if (paced && i % 2000 == 0) {
                Thread.sleep(1);
            }
        }
        return count;
    }
}
