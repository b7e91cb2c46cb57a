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
        System.out.println("OK");
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
        long deadline = System.nanoTime() + 20_000_000_000L;
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
