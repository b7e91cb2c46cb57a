package io.tracepoint4j.rcu;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What users hold is a record over the engine (see DomainFacade): HotSpot trusts a record's final
 * fields, which is what lets the JIT fold a static final domain's read-side state into constants.
 * Performance depends on it, so it is checked here rather than left to a benchmark to notice.
 */
class DomainFacadeTest {

    @RegisterExtension
    final Domains domains = new Domains();

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aDomainIsARecordHoldingItsEngineAndItsReaderCache(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "facade");
        assertThat(d.getClass().isRecord()).as("%s is a record", d.getClass()).isTrue();
        assertThat(Arrays.stream(d.getClass().getRecordComponents()).map(RecordComponent::getName))
                .containsExactly("engine", "readerCache");
        assertThat(Modifier.isPublic(d.getClass().getModifiers()))
                .as("the record is internal")
                .isFalse();
        DomainFacade facade = (DomainFacade) d;
        assertThat(facade.engine().registry.cache()).isSameAs(readerCache(d));
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void theFacadeShowsTheEnginesNameAndDelegatesTheUpdateSide(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "facade-delegates");
        GracePeriodEngine<?> engine = ((DomainFacade) d).engine();
        assertThat(d.toString()).isEqualTo(engine.toString()).contains(d.name());
        long before = d.completedGracePeriods();
        d.synchronize();
        assertThat(engine.completedGracePeriods()).isGreaterThan(before);
        assertThat(d.pollState(d.state())).isEqualTo(engine.pollState(engine.state()));
    }

    private static Object readerCache(RcuDomain d) {
        return switch (d) {
            case ClassicRcuFacade classic -> classic.readerCache();
            case SrcuFacade srcu -> srcu.readerCache();
            default -> throw new AssertionError(d.getClass());
        };
    }
}
