package io.tracepoint4j;

import java.time.Duration;

/**
 * In a fresh JVM (FailureReporterLifetimeTest): the thread that reports probe failures runs while
 * a tracepoint has a probe, ends once none has (a tool detached leaves no thread behind), and is
 * made again by the next registration, whose probe's failures are then handled (here: the detach
 * after a failure, which that thread does). Prints one line per check and OK, or FAILED: why.
 */
public final class FailureReporterLifetimeMain {
    public interface Hit {
        void hit(int n);
    }

    /** A probe that fails every time. */
    static final class Failing implements Hit {
        @Override
        public void hit(int n) {
            throw new IllegalStateException("planted failure " + n);
        }
    }

    private FailureReporterLifetimeMain() {}

    public static void main(String[] args) throws Exception {
        Tracepoint<Hit> tracepoint = Tracepoint.define("lifetime:hit", Hit.class, "n");
        tracepoint.detachAfter(1, Duration.ofMinutes(1));
        for (int round = 1; round <= 2; round++) {
            tracepoint.register(new Failing());
            check(reporterRuns(), "round " + round + ": the reporter runs while a probe is registered");
            tracepoint.fire().hit(round);
            check(
                    await(() -> tracepoint.probeCount() == 0),
                    "round " + round + ": the failing probe was detached by the reporter");
            check(
                    await(() -> !reporterRuns()),
                    "round " + round + ": the reporter ended once no tracepoint had a probe");
        }
        blockedFaultableProbeDelaysNoReport(tracepoint);
        System.out.println("OK");
    }

    /**
     * An unregistered faultable probe that still blocks (legal: faultable probes may block) while
     * no tracepoint has a probe: the idle reporter, on its way to its end, must not wait for it,
     * or the failures of probes registered meanwhile would go unreported and undetached until it
     * returns. The reporter used to wait in synchronizeUnregister() on its own thread.
     */
    private static void blockedFaultableProbeDelaysNoReport(Tracepoint<Hit> regular) throws Exception {
        Tracepoint<Hit> faultable = Tracepoint.defineFaultable("lifetime:blocking", Hit.class, "n");
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Hit blocking = new Hit() {
            @Override
            public void hit(int n) {
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        faultable.register(blocking); // starts the reporter
        Thread firing = new Thread(new Runnable() {
            @Override
            public void run() {
                faultable.fire().hit(0);
            }
        });
        firing.start();
        inside.await();
        faultable.unregister(blocking); // no tracepoint has a probe; the probe still runs
        Thread.sleep(2_500); // the reporter, idle, looks and finds none
        regular.register(new Failing());
        regular.fire().hit(3);
        check(
                await(() -> regular.probeCount() == 0, 5_000_000_000L),
                "round 3: a failing probe is detached while an unregistered faultable probe blocks");
        release.countDown();
        firing.join();
        check(
                await(() -> !reporterRuns()),
                "round 3: the reporter ended once the blocked probe returned and no tracepoint had a probe");
    }

    private static boolean reporterRuns() {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("tracepoint4j-failure-reports")) {
                return true;
            }
        }
        return false;
    }

    private interface Condition {
        boolean holds();
    }

    private static boolean await(Condition condition) throws InterruptedException {
        return await(condition, 20_000_000_000L);
    }

    private static boolean await(Condition condition, long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private static void check(boolean holds, String what) {
        System.out.println(what + ": " + (holds ? "yes" : "no"));
        if (!holds) {
            System.out.println("FAILED: " + what);
            System.exit(1);
        }
    }
}
