package io.tracepoint4j.rcu;

/**
 * What a domain's users hold: a record that implements the public interface ({@link ClassicRcu},
 * {@link Srcu}) over the domain's engine, and delegates the update side to it.
 *
 * <p>Why a record: HotSpot's JIT trusts the final fields of records (it does not trust ordinary
 * final instance fields, which reflection could change). A domain held in a {@code static final}
 * field, as the API recommends, is a constant to the JIT; through a record its engine and the
 * reader cache become constants too. The read side then indexes a cache whose address and
 * length the JIT knows: two field loads and a bounds check fewer on every entry and exit, and
 * the domain's own fields (the phase, the fence flag) are loaded from a constant address.
 */
interface DomainFacade extends RcuDomain {

    /** The engine behind this facade: the update side and the flavor's read side. */
    GracePeriodEngine<?> engine();

    @Override
    default String name() {
        return engine().name();
    }

    @Override
    default boolean inReadSection() {
        return engine().inReadSection();
    }

    @Override
    default void synchronize() {
        engine().synchronize();
    }

    @Override
    default void synchronizeExpedited() {
        engine().synchronizeExpedited();
    }

    @Override
    default void call(Runnable callback) {
        engine().call(callback);
    }

    @Override
    default void barrier() {
        engine().barrier();
    }

    @Override
    default long state() {
        return engine().state();
    }

    @Override
    default long startPoll() {
        return engine().startPoll();
    }

    @Override
    default boolean pollState(long cookie) {
        return engine().pollState(cookie);
    }

    @Override
    default long completedGracePeriods() {
        return engine().completedGracePeriods();
    }

    @Override
    default void close() {
        engine().close();
    }
}
