package io.tracepoint4j.rcu;

/**
 * The entry barrier pair exactly as the library runs it, for the litmus tests of {@code
 * io.tracepoint4j.jcstress.barrier}: the reader's half is a domain's {@code
 * AdaptiveReaderFences.readerBarrier(engine)}, the grace period's half its {@code updaterBarrier()}, taken
 * under the domain's grace-period lock as a grace period does.
 *
 * <p>This class is the test-only route into package-private code: it lives in the library's
 * package but in the jcstress module, and the jcstress jar holds both, so the barriers stay out of
 * the library's public API. It holds the domain in a class of its own because jcstress reuses a
 * state object only when the state class has no field initializer, static ones included.
 *
 * <p>The domain never makes readers fence ({@code readerFenceAfterNanos(-1)}): a litmus loop runs
 * grace-period barriers back to back, and the adaptive policy would soon turn the pair into two
 * fences, so the membarrier claim would go untested. The policy's own path is tested by {@code
 * AdaptiveReaderFenceTest} and by the grace-period litmus tests of {@code
 * io.tracepoint4j.jcstress.gp}, which use default domains.
 */
public final class LibraryBarrierPair {
    private static final GracePeriodEngine<?> ENGINE = ((DomainFacade) Srcu.builder("jcstress-barrier-pair")
                    .readerFenceAfterNanos(-1)
                    .build())
            .engine();

    private LibraryBarrierPair() {}

    /** The reader's half, called right after a section's entry store. */
    public static void readerBarrier() {
        AdaptiveReaderFences.readerBarrier(ENGINE);
    }

    /** The grace period's half, under the grace-period lock. */
    public static void updaterBarrier() {
        ENGINE.gpLock.lock();
        try {
            ENGINE.readerFences.updaterBarrier();
        } finally {
            ENGINE.unlockAndFlushReports();
        }
    }

    /** The pair in use, for the report: {@link ReadSideBarrier#current()} and why. */
    public static String description() {
        return ReadSideBarrier.current() + " (" + ReadSideBarrier.reason() + ")";
    }
}
