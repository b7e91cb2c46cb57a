package io.tracepoint4j;

import io.tracepoint4j.Tracepoint.Flavor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Run by {@link StackOverflowTest} in a fresh JVM with -Xint: instrumented code (not a probe)
 * recurses without end, firing a tracepoint of the flavor named by {@code args[0]} at every level,
 * and catches the StackOverflowError, as a parser meeting input nested too deep does. In the
 * interpreter every call checks the stack, so the close of the firing at the limit overflows as
 * often as anything else: each overflow that leaves a section open (abandoned) must be ended by
 * the thread's next firing, which calls the probe as usual. Then the limit of that: a thread that
 * abandoned a section and does not fire again holds up synchronizeUnregister() until it does.
 * Prints {@code OK} and exits 0 on success; JDK only, no test libraries on its class path.
 */
public final class AbandonedSectionMain {
    /** The prototype used here. */
    public interface Step {
        void step(long depth);
    }

    private static final int OVERFLOWS = 40;
    private static final long STACK_SIZE = 256 * 1024L;

    private static Tracepoint<Step> tp;
    private static Flavor flavor;
    /** Calls of the probe, which calls nothing: the deepest frames of a firing are its section's. */
    private static long calls;

    private static long sink;

    private AbandonedSectionMain() {}

    public static void main(String[] args) throws Exception {
        flavor = Flavor.valueOf(args[0]);
        Tracepoint.Builder<Step> builder =
                Tracepoint.builder("abandoned:step", Step.class).arguments("depth");
        tp = (flavor == Flavor.FAULTABLE ? builder.faultable() : builder).define();
        Step probe = new Step() {
            @Override
            public void step(long depth) {
                calls++;
            }
        };
        tp.register(probe);

        int[] abandoned = new int[1];
        Throwable[] failure = new Throwable[1];
        Thread recursing = new Thread(
                null,
                () -> {
                    try {
                        for (int i = 0; i < OVERFLOWS; i++) {
                            overflow(i % 16);
                            if (flavor.domain().inReadSection()) {
                                abandoned[0]++;
                            }
                            long before = calls;
                            tp.fire().step(-1); // the thread's next firing, with its stack to spare
                            require(calls == before + 1, "the next firing did not call the probe");
                            require(!flavor.domain().inReadSection(), "a section is open after the next firing");
                        }
                    } catch (Throwable t) {
                        failure[0] = t;
                    }
                },
                "recursing",
                STACK_SIZE);
        recursing.start();
        recursing.join();
        if (failure[0] != null) {
            throw new AssertionError("the recursing thread failed", failure[0]);
        }
        require(abandoned[0] > 0, "no firing left its section open: the case is not exercised");
        System.out.println("abandoned sections: " + abandoned[0] + " of " + OVERFLOWS
                + " overflows, each ended by the thread's next firing");

        CountDownLatch abandonedOne = new CountDownLatch(1);
        CountDownLatch fireAgain = new CountDownLatch(1);
        Thread holding = new Thread(
                null,
                () -> {
                    while (!flavor.domain().inReadSection()) {
                        overflow(0);
                    }
                    abandonedOne.countDown();
                    try {
                        fireAgain.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    tp.fire().step(-1);
                },
                "holding",
                STACK_SIZE);
        holding.setDaemon(true);
        holding.start();
        require(abandonedOne.await(20, TimeUnit.SECONDS), "the holding thread abandoned no section");
        tp.unregister(probe);
        CompletableFuture<Void> sync = CompletableFuture.runAsync(tp::synchronizeUnregister);
        try {
            sync.get(500, TimeUnit.MILLISECONDS);
            require(false, "synchronizeUnregister() returned while a thread held an abandoned section");
        } catch (TimeoutException expected) {
            // it waits for the section, as it must: nothing but the thread knows it is abandoned
        }
        fireAgain.countDown();
        sync.get(20, TimeUnit.SECONDS); // the thread's next firing ended it
        holding.join();
        System.out.println("OK");
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
        tp.fire().step(depth);
        recurse(depth + 1);
        sink++;
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            System.out.println("FAILED: " + what);
            System.exit(1);
        }
    }
}
