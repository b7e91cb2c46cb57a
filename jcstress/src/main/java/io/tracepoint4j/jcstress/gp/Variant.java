package io.tracepoint4j.jcstress.gp;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.Srcu;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * One way a litmus test uses its domain: how the reader enters and leaves its read-side critical
 * section, and how the updater waits for a grace period. Each test class keeps its variant in a
 * static final field: a record held there is a constant to the JIT down to the domain, and with one
 * test per forked VM every call here has a single receiver class.
 */
sealed interface Variant {

    /** {@code read()} in try-with-resources, {@code synchronize()}: the API every flavor shares. */
    static Variant read(RcuDomain domain) {
        return new Read(domain);
    }

    /** {@code readLock()}/{@code readUnlock(token)}, {@code synchronizeExpedited()}. */
    static Variant tokenExpedited(Srcu domain) {
        return new SrcuToken(domain);
    }

    /** {@code readLock()}/{@code readUnlock()}, {@code synchronizeExpedited()}. */
    static Variant tokenExpedited(ClassicRcu domain) {
        return new ClassicRcuToken(domain);
    }

    /** {@code downRead()}/{@code upRead(token)}, {@code synchronize()}. */
    static Variant downUp(Srcu domain) {
        return new SrcuDownUp(domain);
    }

    /** Runs the reader's accesses of {@code pattern} inside one read-side critical section. */
    void section(Pattern pattern, Cells c, II_Result r);

    /** Waits for a grace period. */
    void gracePeriod();

    record Read(RcuDomain domain) implements Variant {
        @Override
        public void section(Pattern pattern, Cells c, II_Result r) {
            try (var _ = domain.read()) {
                pattern.inSection(c, r);
            }
        }

        @Override
        public void gracePeriod() {
            domain.synchronize();
        }
    }

    record SrcuToken(Srcu domain) implements Variant {
        @Override
        public void section(Pattern pattern, Cells c, II_Result r) {
            int token = domain.readLock();
            pattern.inSection(c, r);
            domain.readUnlock(token);
        }

        @Override
        public void gracePeriod() {
            domain.synchronizeExpedited();
        }
    }

    record ClassicRcuToken(ClassicRcu domain) implements Variant {
        @Override
        public void section(Pattern pattern, Cells c, II_Result r) {
            domain.readLock();
            pattern.inSection(c, r);
            domain.readUnlock();
        }

        @Override
        public void gracePeriod() {
            domain.synchronizeExpedited();
        }
    }

    record SrcuDownUp(Srcu domain) implements Variant {
        @Override
        public void section(Pattern pattern, Cells c, II_Result r) {
            int token = domain.downRead();
            pattern.inSection(c, r);
            domain.upRead(token);
        }

        @Override
        public void gracePeriod() {
            domain.synchronize();
        }
    }
}
