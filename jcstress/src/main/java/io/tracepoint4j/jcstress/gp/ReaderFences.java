package io.tracepoint4j.jcstress.gp;

import java.util.function.Supplier;

/**
 * Domains whose grace periods run on established adaptive reader fences ([RF] in rcu's
 * AdaptiveReaderFences): readers fence their own entries and grace periods use a plain full fence, no
 * membarrier. A domain reads {@code tracepoint4j.rcu.readerFenceAfterMicros} when it is built; at 0
 * every membarrier counts as slow, so the third grace period sets the readers' flag, the fourth
 * establishes it, and it stays established while grace periods keep coming (it relaxes after 50 ms
 * without one, e.g. between iterations, and is re-established four grace periods later).
 */
final class ReaderFences {
    private static final String PROPERTY = "tracepoint4j.rcu.readerFenceAfterMicros";

    private ReaderFences() {}

    /** Builds a domain with the threshold at 0; the property is restored afterwards. */
    static synchronized <D> D forced(Supplier<D> create) {
        String previous = System.getProperty(PROPERTY);
        System.setProperty(PROPERTY, "0");
        try {
            return create.get();
        } finally {
            if (previous == null) {
                System.clearProperty(PROPERTY);
            } else {
                System.setProperty(PROPERTY, previous);
            }
        }
    }
}
