package io.tracepoint4j.rcu;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The domains a test makes, closed after each test whether it passed or not (quietly: a failed test
 * may have left a section open, and the clean-up must not hang the run). A test class registers one
 * in an instance field, so each test gets its own:
 *
 * <pre>{@code
 * @RegisterExtension
 * final Domains domains = new Domains();
 * }</pre>
 */
final class Domains implements AfterEachCallback {

    private final List<RcuDomain> made = new ArrayList<>();

    /** A fresh domain of {@code flavor} with default settings, named after {@code purpose}. */
    RcuDomain create(Flavor flavor, String purpose) {
        return closedAfterTest(flavor.create(purpose));
    }

    /** A fresh domain of {@code flavor} with the given stall timeout. */
    RcuDomain create(Flavor flavor, String purpose, Duration stallTimeout) {
        return closedAfterTest(flavor.create(purpose, stallTimeout));
    }

    /** A fresh {@link Srcu} domain with default settings, named after {@code purpose}. */
    Srcu srcu(String purpose) {
        return (Srcu) create(Flavor.SRCU, purpose);
    }

    /** A fresh {@link ClassicRcu} domain with default settings, named after {@code purpose}. */
    ClassicRcu classic(String purpose) {
        return (ClassicRcu) create(Flavor.CLASSIC, purpose);
    }

    /** {@code domain}, built by the test with settings of its own, to be closed after the test. */
    <D extends RcuDomain> D closedAfterTest(D domain) {
        made.add(domain);
        return domain;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        made.forEach(TestSupport::closeQuietly);
        made.clear();
    }
}
