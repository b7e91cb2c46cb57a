package io.tracepoint4j;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.ReadSideBarrier;
import io.tracepoint4j.rcu.Srcu;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The library-wide RCU domains that protect probe arrays, one per flavor. Each is created at its
 * first use, in practice the first registration of a probe on a tracepoint of its flavor (see
 * {@link #prepareFirings}), and never closed: defining tracepoints, on every instrumented
 * application's start-up path, creates no domain. Independent: a probe blocked in a faultable
 * tracepoint delays only FAULTABLE's grace periods.
 */
final class Domains {
    private Domains() {}

    /** Regular tracepoints: probes never block, so the cheapest read side. */
    static ClassicRcu regular() {
        return Regular.DOMAIN;
    }

    /** Faultable tracepoints: probes may block. */
    static Srcu faultable() {
        return Faultable.DOMAIN;
    }

    /**
     * Creates {@code flavor}'s domain and waits for the read side's one-time set-up (FFM's
     * membarrier registration, about 0.1-0.15 s in a cold JVM, begun on a library thread by the
     * domain's creation). A firing reads under its flavor's domain only once a probe is published,
     * so a registration calls this before publishing: no firing ever creates a domain (a class
     * initialization, which must not fail on a thread near its stack limit: see the rcu module's
     * GracePeriodEngine.initializeNow) or waits for the set-up.
     */
    static void prepareFirings(Tracepoint.Flavor flavor) {
        flavor.domain();
        ReadSideBarrier.current(); // waits for the set-up, if it is still running
    }

    /** A holder: created when regular() is first called. */
    private static final class Regular {
        static final ClassicRcu DOMAIN = ClassicRcu.builder("tracepoint4j-regular")
                .stallAdvice(new RegularProbeStallAdvice())
                .build();
    }

    /** A holder: created when faultable() is first called. */
    private static final class Faultable {
        static final Srcu DOMAIN = Srcu.create("tracepoint4j-faultable");
    }

    /**
     * A thread stalls the regular domain only inside a probe of a regular tracepoint (its sections
     * are firings): the report names the tracepoints whose probes' code is on the stack, and says
     * to block only in faultable tracepoints' probes; or, when a faultable tracepoint's probe code
     * is on the stack too, that a faultable tracepoint fired from a regular probe blocks there. A probe is recognized in a frame that runs the
     * prototype's method in a class implementing the prototype (registered or already removed, as
     * when synchronizeUnregister() waits for it), or, for a lambda, whose frames show only its
     * host class, by the nest host of a registered probe's class.
     */
    private static final class RegularProbeStallAdvice implements RcuDomain.StallAdvice {
        @Override
        public String advise(Thread stalled, StackTraceElement[] stack) {
            Set<String> suspects = new LinkedHashSet<>();
            Set<String> faultable = new LinkedHashSet<>();
            for (Tracepoint<?> tracepoint : Tracepoints.REGISTRY.allWithoutLock()) {
                addIfOnStack(
                        tracepoint, stack, tracepoint.flavor() == Tracepoint.Flavor.REGULAR ? suspects : faultable);
            }
            if (!faultable.isEmpty()) { // a faultable firing inside a regular probe: its probe blocks there
                return "The thread is inside a probe of a faultable tracepoint, by its stack "
                        + String.join(" or ", faultable) + ", fired from a probe of a regular tracepoint"
                        + (suspects.isEmpty() ? "" : " (" + String.join(" or ", suspects) + ")")
                        + ": a faultable tracepoint's probes run inside the sections of the firings around them,"
                        + " so this one, which blocks, delays every regular synchronizeUnregister(). Fire the"
                        + " faultable tracepoint outside the regular probe, or define the regular one with"
                        + " Tracepoint.defineFaultable(...) too.";
            }
            return "The thread is inside a probe of a regular tracepoint"
                    + (suspects.isEmpty() ? "" : ", by its stack " + String.join(" or ", suspects))
                    + ": probes of regular tracepoints must not block, and this one delays every regular"
                    + " synchronizeUnregister(). If the probe must block, define its tracepoint with"
                    + " Tracepoint.defineFaultable(...).";
        }

        private static void addIfOnStack(Tracepoint<?> tracepoint, StackTraceElement[] stack, Set<String> suspects) {
            Class<?> prototype = tracepoint.prototype();
            String method = tracepoint.definition().method().getName();
            Set<String> lambdaHosts = new HashSet<>();
            for (Registration registration : tracepoint.registrations()) {
                Class<?> probeClass = registration.probe.getClass();
                if (probeClass.isHidden()) {
                    lambdaHosts.add(probeClass.getNestHost().getName());
                }
            }
            for (StackTraceElement frame : stack) {
                if ((frame.getMethodName().equals(method) && implementsPrototype(frame.getClassName(), prototype))
                        || (frame.getMethodName().startsWith("lambda$")
                                && lambdaHosts.contains(frame.getClassName()))) {
                    suspects.add(tracepoint.name() + " (probe code in " + frame.getClassName() + ")");
                    return;
                }
            }
        }

        private static boolean implementsPrototype(String className, Class<?> prototype) {
            try {
                return prototype.isAssignableFrom(Class.forName(className, false, prototype.getClassLoader()));
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        }
    }
}
