package io.tracepoint4j.rcu;

/** The {@link ClassicRcu} users hold; see {@link DomainFacade} for why it is a record. */
record ClassicRcuFacade(ClassicRcuEngine engine, ClassicReader[] readerCache) implements ClassicRcu, DomainFacade {

    static ClassicRcu create(RcuDomain.Builder<ClassicRcu> settings) {
        ClassicRcuEngine engine = new ClassicRcuEngine(settings);
        return new ClassicRcuFacade(engine, engine.registry.cache());
    }

    @Override
    public void readLock() {
        engine.readLock(readerCache);
    }

    @Override
    public void readUnlock() {
        engine.readUnlock(readerCache);
    }

    @Override
    public ReadSection read() {
        return engine.read(readerCache);
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
