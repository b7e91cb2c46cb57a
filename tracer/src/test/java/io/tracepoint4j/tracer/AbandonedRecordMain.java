package io.tracepoint4j.tracer;

import io.tracepoint4j.Tracepoint;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A traced application, forked by {@link AbandonedRecordTest} with -Xint: instrumented code (not a
 * probe) recurses without end, firing a recorded tracepoint at every level, and catches the
 * StackOverflowError, as a parser meeting input nested too deep does. In the interpreter every call
 * checks the stack, so the error lands inside the session's writer as often as anywhere: between
 * its begin and its end, with the session's section open and the record reserved. Prints {@code
 * fired: N} (firings that reached the writer: the recursion's and the thread's next firings) and
 * {@code stopped: SUMMARY}, or {@code stop hung} if the stop did not return in 30 s.
 */
public final class AbandonedRecordMain {
    /** The traced call. */
    public interface Step {
        void step(long depth, String where);
    }

    private static final Tracepoint<Step> STEP = Tracepoint.define("abandon:step", Step.class, "depth", "where");
    private static final int OVERFLOWS = 40;
    private static final long STACK_SIZE = 256 * 1024L;

    private static long fired;
    private static long sink;

    private AbandonedRecordMain() {}

    public static void main(String[] args) throws Exception {
        boolean virtual = args[1].equals("virtual");
        Session session = Session.builder("abandon")
                .enable("abandon:*")
                .output(Path.of(args[0]))
                .threadBuffers(virtual ? 0 : 2)
                .start();
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable recursing = () -> {
            for (int i = 0; i < OVERFLOWS; i++) {
                overflow(i % 16);
                STEP.fire().step(-1, "after the overflow"); // the thread's next firing
                fired++;
            }
            done.countDown();
            try {
                stopped.await(); // alive, as a server's worker thread stays, while the session stops
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread thread = virtual
                ? Thread.ofVirtual().name("recursing").unstarted(recursing)
                : new Thread(null, recursing, "recursing", STACK_SIZE);
        thread.setDaemon(true);
        thread.start();
        done.await();
        System.out.println("fired: " + fired);
        CompletableFuture<Session.Summary> stop = CompletableFuture.supplyAsync(() -> {
            try {
                return session.stop();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            System.out.println("stopped: " + stop.get(30, TimeUnit.SECONDS));
            stopped.countDown();
        } catch (java.util.concurrent.TimeoutException e) {
            System.out.println("stop hung");
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
    }

    /** Recurses through firings until the stack overflows, from a start shifted by {@code pad} frames. */
    private static void overflow(int pad) {
        try {
            pad(pad);
        } catch (StackOverflowError expected) {
            // the only way out
        }
    }

    private static void pad(int n) {
        long a = n, b = a * 3, c = b * 5;
        if (n > 0) {
            pad(n - 1);
        } else {
            recurse(0);
        }
        sink = a + b + c;
    }

    private static void recurse(long depth) {
        STEP.fire().step(depth, "recursing");
        fired++; // counted once the firing returned: the one the overflow cut short is not
        recurse(depth + 1);
        sink++;
    }
}
