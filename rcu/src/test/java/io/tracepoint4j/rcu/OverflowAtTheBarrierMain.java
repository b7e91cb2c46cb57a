package io.tracepoint4j.rcu;

import io.tracepoint4j.rcu.OverflowingReader.Form;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Run by {@link StackOverflowTest} in a fresh JVM whose JIT never inlines the reader barrier
 * ({@code -XX:CompileCommand=dontinline,...AdaptiveReaderFences::readerBarrier}): the barrier is a
 * call of its own right after the entry store, so an overflow lands between the two, and the
 * entry's failure path then runs in a cold catch block that compiled code leaves to the
 * interpreter, where any call checks the stack again. For each form named in the arguments,
 * threads with small stacks overflow inside sections ({@link OverflowingReader}) and end, while an
 * updater runs grace periods; then the updater's last grace period and a fresh one must each end
 * within {@link #GRACE_PERIOD_SECONDS}: one that waits longer shows a section left open by an
 * entry or exit that threw half-done (a count taken and never given back). Prints one line per
 * form and {@code OK} and exits 0 on success, exits 1 naming the forms that failed. JDK only, no
 * test libraries on its class path.
 */
public final class OverflowAtTheBarrierMain {
    static final int GRACE_PERIOD_SECONDS = 20;

    private OverflowAtTheBarrierMain() {}

    public static void main(String[] args) throws Exception {
        int overflowsPerThread = Integer.parseInt(args[0]);
        int threads = Integer.parseInt(args[1]);
        List<String> failures = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            Form form = Form.valueOf(args[i]);
            String failure = run(form, overflowsPerThread, threads);
            if (failure != null) {
                failures.add(form + ": " + failure);
            }
        }
        if (!failures.isEmpty()) {
            System.out.println("FAILED: " + String.join("; ", failures));
            System.exit(1);
        }
        System.out.println("OK");
    }

    private static String run(Form form, int overflowsPerThread, int threads) throws InterruptedException {
        RcuDomain d = form.flavor.create("xint-" + form.name().toLowerCase());
        int[] overflows = new int[1];
        int[] redone = new int[1];
        String[] problem = new String[1];
        AtomicBoolean overflowing = new AtomicBoolean(true);
        Thread updater = new Thread(
                () -> {
                    while (overflowing.get()) {
                        d.synchronize();
                    }
                },
                "updater");
        updater.setDaemon(true);
        updater.start();
        for (int round = 0; round < threads; round++) {
            long stackSize = (256 + 128 * (round % 3)) * 1024L;
            Thread t = new Thread(
                    null,
                    () -> {
                        OverflowingReader reader = new OverflowingReader(form, d);
                        for (int i = 0; i < overflowsPerThread; i++) {
                            try {
                                reader.pad(ThreadLocalRandom.current().nextInt(64));
                            } catch (StackOverflowError expected) {
                                overflows[0]++;
                            }
                            redone[0] += reader.endWhatFailedExitsLeftOpen();
                            if (d.inReadSection()) {
                                problem[0] = "inside a section after overflow " + i + ", every failed exit done again";
                                return;
                            }
                        }
                    },
                    "overflowing-" + round,
                    stackSize);
            t.start();
            t.join(); // the thread's counts happen-before what follows
        }
        overflowing.set(false);
        updater.join(TimeUnit.SECONDS.toMillis(GRACE_PERIOD_SECONDS));
        if (updater.isAlive()) {
            return "a grace period begun during the overflows still waits " + GRACE_PERIOD_SECONDS
                    + " s after the overflowing threads ended, for a section no thread holds (" + overflows[0]
                    + " overflows, " + redone[0] + " exits done again)";
        }
        if (problem[0] != null) {
            return problem[0];
        }
        Thread gracePeriod = new Thread(d::synchronize, "grace-period");
        gracePeriod.setDaemon(true);
        long start = System.nanoTime();
        gracePeriod.start();
        gracePeriod.join(TimeUnit.SECONDS.toMillis(GRACE_PERIOD_SECONDS));
        if (gracePeriod.isAlive()) {
            return "a grace period still waits " + GRACE_PERIOD_SECONDS + " s after the overflowing threads ended,"
                    + " for a section no thread holds (" + overflows[0] + " overflows, " + redone[0]
                    + " exits done again)";
        }
        System.out.printf(
                "%s: %d overflows, %d exits done again, grace period in %d ms%n",
                form, overflows[0], redone[0], TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        d.close();
        return null;
    }
}
