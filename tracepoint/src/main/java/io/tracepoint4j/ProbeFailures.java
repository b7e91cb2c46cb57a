package io.tracepoint4j;

import io.tracepoint4j.rcu.internal.RateLimit;
import java.time.Duration;

/**
 * The failure path of one tracepoint: what happens when a probe throws. The firing thread only
 * counts; what to report (a log record, a detach) runs later on the FailureReports thread.
 */
final class ProbeFailures {
    /*
     * Overview
     *   probeFailed() finds the probe's Registration ([R], an acquire load through ProbeUpdates),
     *   counts the failure there under the detach policy, and hands a FailureReport to
     *   FailureReports when something must be logged or the probe detached. A probe not found was
     *   unregistered after the firing loaded its array: reported (rate-limited), not counted.
     *
     * Memory ordering
     *   [D] detachPolicy: volatile, written by detachAfter(), read by probeFailed().
     *
     * Failure modes
     *   probeFailed() never throws, and does nothing on the failing thread whose first use could
     *   fail for good (see FailureReports): out of memory or stack while counting, the failure
     *   stays unreported and the caller unharmed. Detaching runs on a virtual thread of its own,
     *   as it takes the update lock and runs onLastProbe, which may block.
     */

    private static final String LOG_INTERVAL_PROPERTY = "tracepoint4j.failureLogIntervalMillis";
    private static final long LOG_INTERVAL_NANOS =
            Duration.ofMillis(Long.getLong(LOG_INTERVAL_PROPERTY, 10_000)).toNanos();

    private final String name;
    private final ProbeUpdates<?> updates;

    private volatile DetachPolicy detachPolicy = DetachPolicy.DEFAULT; // [D]

    /** Rate-limits the reports of probes that threw after they were unregistered (their Registration is gone). */
    private final RateLimit unregisteredFailures = new RateLimit();

    ProbeFailures(String name, ProbeUpdates<?> updates) {
        this.name = name;
        this.updates = updates;
    }

    /** See {@link Tracepoint#detachAfter(int, Duration)}. */
    void detachAfter(DetachPolicy policy) {
        detachPolicy = policy; // [D] pairs with the volatile read in probeFailed()
    }

    /**
     * The failure path, called by the generated firing code when a probe throws. Never throws:
     * the instrumented code must not see a probe's failure. It only counts here; what it reports
     * (a log record, a detach) runs later as a {@link FailureReport}, on another thread.
     */
    void probeFailed(Object probe, Throwable failure) {
        try {
            if (failure instanceof InterruptedException) {
                Thread.currentThread().interrupt(); // the probe swallowed it; keep the flag for the caller
            }
            long now = System.nanoTime();
            Registration[] current = updates.registrationsAcquire(); // [R]
            int index = ProbeUpdates.indexOf(current, probe);
            if (index < 0) {
                // unregistered after this firing loaded its array: report (rate-limited) without counting
                long unlogged = unregisteredFailures.admit(now, LOG_INTERVAL_NANOS);
                if (unlogged != RateLimit.SUPPRESS) {
                    FailureReports.submit(new FailureReport(probe, failure, -1, unlogged, null, null));
                }
                return;
            }
            Registration registration = current[index];
            DetachPolicy policy = detachPolicy; // [D]
            Registration.Outcome outcome = registration.recordFailure(now, policy, LOG_INTERVAL_NANOS);
            if (outcome.log || outcome.detach) {
                try {
                    FailureReports.submit(new FailureReport(
                            probe,
                            outcome.log ? failure : null,
                            outcome.failures,
                            outcome.unlogged,
                            outcome.detach ? registration : null,
                            policy));
                } catch (Throwable notSubmitted) { // out of stack or memory: a later failure detaches
                    if (outcome.detach) {
                        registration.detachNotSubmitted();
                    }
                    throw notSubmitted;
                }
            }
        } catch (Throwable ignored) {
            // out of memory or stack while counting: the failure stays unreported, the caller unharmed
        }
    }

    /** {@code ", 3 more<what> not logged since the last report"}, or nothing when none were skipped. */
    private static String notLogged(long unlogged, String what) {
        return unlogged > 0 ? ", " + unlogged + " more" + what + " not logged since the last report" : "";
    }

    /**
     * What probeFailed reports, run by {@link FailureReports} on its own thread, never on the
     * failing thread, which may be at its stack limit (see FailureReports for why).
     */
    private final class FailureReport implements Runnable {
        private final Object probe;
        /** What to log, or null to log nothing. */
        private final Throwable failure;
        /** The probe's failures so far, or -1 for a probe that was being unregistered. */
        private final long failures;

        private final long unlogged;
        /** The registration to detach, or null. */
        private final Registration detach;

        private final DetachPolicy policy;

        FailureReport(
                Object probe,
                Throwable failure,
                long failures,
                long unlogged,
                Registration detach,
                DetachPolicy policy) {
            this.probe = probe;
            this.failure = failure;
            this.failures = failures;
            this.unlogged = unlogged;
            this.detach = detach;
            this.policy = policy;
        }

        @Override
        public void run() {
            try {
                log();
            } finally { // the detach also when the logging backend throws
                startDetach();
            }
        }

        private void log() {
            if (failure != null && failures < 0) {
                Tracepoint.log().log(
                        System.Logger.Level.WARNING,
                        "probe " + Tracepoint.describe(probe) + " of " + name + " threw while being unregistered"
                                + notLogged(unlogged, " failures of unregistered probes"),
                        failure);
            } else if (failure != null) {
                Tracepoint.log().log(
                        System.Logger.Level.WARNING,
                        "probe " + Tracepoint.describe(probe) + " of " + name + " threw " + failure + " (failure "
                                + failures + " of this probe" + notLogged(unlogged, "") + ")."
                                + " Probes must not throw; the instrumented code did not see it.",
                        failure);
            }
        }

        private void startDetach() {
            if (detach != null) {
                // on a thread of its own: detaching takes updateLock and runs onLastProbe, which may block
                try {
                    Thread.ofVirtual().name("tracepoint4j-detach").start(new Detach(detach, policy));
                } catch (RuntimeException | Error notStarted) { // out of memory: a later failure detaches
                    detach.detachNotSubmitted();
                    throw notStarted;
                }
            }
        }
    }

    /** Detaches a failing probe on its own thread (no lambda: see "no invokedynamic" in Tracepoint's design note). */
    private final class Detach implements Runnable {
        private final Registration registration;
        private final DetachPolicy policy;

        Detach(Registration registration, DetachPolicy policy) {
            this.registration = registration;
            this.policy = policy;
        }

        @Override
        public void run() {
            updates.detach(registration, policy);
        }
    }
}
