package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.TestSupport.assertMisuseChangesNothing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.rcu.internal.UnnestedSections;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link UnnestedSections}, with which the tracer's writers end the sections of their session's
 * domain that a firing which threw left open: a token tells a section opened above
 * abandoned ones, and restart() ends them all and opens a new outermost one; what it refuses
 * changes nothing. Each scenario runs on its own thread and ends inside no section; the witness
 * check then shows the books balanced (no unlock counted twice, no lock left counted).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try") // a section held open by try-with-resources, unused inside
class UnnestedSectionsTest {

    @RegisterExtension
    final Domains domains = new Domains();

    @Test
    void restartEndsTheSectionsLeftOpenUnderTheInnermostAndOpensAnOutermostOne() {
        Srcu d = domains.srcu("unnested-restart");
        UnnestedSections unnested = (UnnestedSections) d;
        assertMisuseChangesNothing(d, () -> {
            for (int abandoned = 0; abandoned < 40; abandoned++) { // past SRCU's inline section entries
                int first = d.readLock();
                assertThat(UnnestedSections.outermost(first)).isTrue();
                for (int i = 0; i < abandoned; i++) {
                    d.readLock(); // as if their unlock failed and their frames were gone
                }
                int token = abandoned == 0 ? first : d.readLock();
                assertThat(UnnestedSections.outermost(token)).isEqualTo(abandoned == 0);
                int fresh = unnested.restart(token);
                assertThat(UnnestedSections.outermost(fresh))
                        .as("after %d sections left open", abandoned)
                        .isTrue();
                d.readUnlock(fresh);
                assertThat(d.inReadSection()).isFalse();
            }
        });
    }

    @Test
    void restartRefusesATokenThatIsNotTheInnermostAndChangesNothing() {
        Srcu d = domains.srcu("unnested-not-innermost");
        UnnestedSections unnested = (UnnestedSections) d;
        assertMisuseChangesNothing(d, () -> {
            int outer = d.readLock();
            int inner = d.readLock();
            assertThatThrownBy(() -> unnested.restart(outer))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not the innermost");
            d.readUnlock(inner);
            d.readUnlock(outer);
        });
    }

    @Test
    void restartRefusesNestedUseOfTheDomainAndChangesNothing() {
        Srcu d = domains.srcu("unnested-scoped");
        UnnestedSections unnested = (UnnestedSections) d;
        assertMisuseChangesNothing(d, () -> {
            try (RcuDomain.ReadSection scoped = d.read()) {
                int token = d.readLock();
                assertThatThrownBy(() -> unnested.restart(token))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("opened by read()");
                d.readUnlock(token);
            }
        });
    }
}
