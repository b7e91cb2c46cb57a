package io.tracepoint4j.tracer;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ringbuffer.Loss;
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
 * fired: N} (firings that returned: the recursion's and the thread's next firings) and {@code
 * stopped: SUMMARY}, or {@code stop hung} if the stop did not return in 30 s. {@code DIR platform}
 * and {@code DIR virtual} fire again after each of 40 overflows, on a platform thread (its own
 * buffer) or a virtual one (a shared buffer: it then prints {@code dropped while recording: N},
 * the events of the packets the drain dropped before the stop); {@code DIR idle} overflows until a
 * section is left
 * open, then waits while the session stops, and fires once more after 3 s (it prints whether the
 * stop waited for it); {@code DIR idle-exit} leaves a section open the same way, and the JVM exits
 * with the session running while the thread waits for good. In both, before that, another thread
 * records {@code WORKER_EVENTS} events, and it prints {@code drained while the section was held: N}.
 */
public final class AbandonedRecordMain {
    /** The traced call. */
    public interface Step {
        void step(long depth, String where);
    }

    private static final Tracepoint<Step> STEP = Tracepoint.define("abandon:step", Step.class, "depth", "where");
    private static final int OVERFLOWS = 40;
    private static final long STACK_SIZE = 256 * 1024L;
    /** What another thread records while the idle one holds its section: 3 sub-buffers or so. */
    private static final int WORKER_EVENTS = 20_000;

    private static long fired;
    private static long sink;

    private AbandonedRecordMain() {}

    public static void main(String[] args) throws Exception {
        String mode = args[1];
        Session session = Session.builder("abandon")
                .enable("abandon:*")
                .output(Path.of(args[0]))
                .threadBuffers(mode.equals("virtual") ? 0 : 2)
                .start();
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch fireAgain = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable recursing = () -> {
            if (mode.startsWith("idle")) { // overflows until a section is left open, then waits
                for (int i = 0; !session.recorder().domain.inReadSection(); i++) {
                    overflow(i % 16);
                }
                done.countDown();
                await(fireAgain);
                STEP.fire().step(-1, "after the overflow");
                fired++;
            } else { // the thread fires again after each overflow
                for (int i = 0; i < OVERFLOWS; i++) {
                    overflow(i % 16);
                    STEP.fire().step(-1, "after the overflow");
                    fired++;
                }
                done.countDown();
            }
            await(stopped); // alive, as a server's worker thread stays, while the session stops
        };
        Thread thread = mode.equals("virtual")
                ? Thread.ofVirtual().name("recursing").unstarted(recursing)
                : new Thread(null, recursing, "recursing", STACK_SIZE);
        thread.setDaemon(true);
        thread.start();
        done.await();
        if (mode.equals("virtual")) { // the drain drops the packets abandoned records held up, while recording
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (session.lost(Loss.ABANDONED) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            System.out.println("dropped while recording: " + session.lost(Loss.ABANDONED));
        }
        System.out.println("fired: " + fired);
        if (mode.startsWith("idle")) { // another thread records meanwhile: the drain goes on writing
            Thread.sleep(2000); // past two flushes: the idle thread's open buffer is stolen by now
            long before = session.recorder().eventsDrainedSoFar();
            Thread worker = new Thread(() -> {
                for (int i = 0; i < WORKER_EVENTS; i++) {
                    STEP.fire().step(i, "worker");
                }
            });
            worker.start();
            worker.join();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (session.recorder().eventsDrainedSoFar() - before < WORKER_EVENTS / 2
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            System.out.println(
                    "drained while the section was held: " + (session.recorder().eventsDrainedSoFar() - before));
        }
        if (mode.equals("idle-exit")) {
            System.out.flush();
            System.exit(0); // the session still runs: its exit hook must not wait for the thread forever
        }
        CompletableFuture<Session.Summary> stop = CompletableFuture.supplyAsync(() -> {
            try {
                return session.stop();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        if (mode.equals("idle")) {
            try {
                stop.get(3, TimeUnit.SECONDS);
                System.out.println("stop returned while the thread held its abandoned section");
            } catch (java.util.concurrent.TimeoutException expected) {
                System.out.println("stop waits for the thread"); // its next firing ends the section
            }
            fireAgain.countDown();
        }
        try {
            System.out.println("stopped: " + stop.get(30, TimeUnit.SECONDS));
            System.out.println("lost to abandoned records: "
                    + (session.lost(Loss.ABANDONED) + session.lost(Loss.SUB_BUFFER_BUSY)));
            stopped.countDown();
        } catch (java.util.concurrent.TimeoutException e) {
            System.out.println("stop hung");
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
