package io.tracepoint4j.rcu;

import io.tracepoint4j.rcu.internal.UnnestedSections;

/** The {@link Srcu} users hold; see {@link DomainFacade} for why it is a record. */
record SrcuFacade(SrcuEngine engine, SrcuReader[] readerCache) implements Srcu, DomainFacade, UnnestedSections {

    static Srcu create(RcuDomain.Builder<Srcu> settings) {
        SrcuEngine engine = new SrcuEngine(settings);
        return new SrcuFacade(engine, engine.registry.cache());
    }

    @Override
    public int readLock() {
        return engine.readLock(readerCache);
    }

    @Override
    public void readUnlock(int token) {
        engine.readUnlock(readerCache, token);
    }

    @Override
    public int restart(int token) {
        return engine.restartLock(readerCache, token);
    }

    @Override
    public ReadSection read() {
        return engine.read(readerCache);
    }

    @Override
    public int downRead() {
        return engine.downRead(readerCache);
    }

    @Override
    public void upRead(int token) {
        engine.upRead(token);
    }

    @Override
    public String toString() {
        return engine.toString();
    }

    // Written out, not generated: a record's generated methods link through invokedynamic (see
    // NoInvokeDynamicTest). One facade per engine, so identity is component equality.
    @Override
    public boolean equals(Object other) {
        return other == this;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
