package io.tracepoint4j.rcu;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two RCU flavors, as a factory for the tests of the shared {@link RcuDomain} contract. Each
 * domain gets a unique name so that a test can find the domain's threads and log records.
 */
enum Flavor {
    SRCU {
        @Override
        RcuDomain.Builder<? extends RcuDomain> builder(String name) {
            return Srcu.builder(name);
        }
    },
    CLASSIC {
        @Override
        RcuDomain.Builder<? extends RcuDomain> builder(String name) {
            return ClassicRcu.builder(name);
        }
    };

    private static final AtomicInteger SERIAL = new AtomicInteger();

    abstract RcuDomain.Builder<? extends RcuDomain> builder(String name);

    /** A fresh domain with default settings and a unique name starting with {@code purpose}. */
    RcuDomain create(String purpose) {
        return builder(uniqueName(purpose)).build();
    }

    /** A fresh domain with the given stall timeout. */
    RcuDomain create(String purpose, Duration stallTimeout) {
        return builder(uniqueName(purpose)).stallTimeout(stallTimeout).build();
    }

    String uniqueName(String purpose) {
        return String.format("%s-%s-%04d", purpose, name().toLowerCase(), SERIAL.incrementAndGet());
    }
}
