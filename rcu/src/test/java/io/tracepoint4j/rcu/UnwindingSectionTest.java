package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.TestSupport.assertMisuseChangesNothing;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.rcu.internal.OutermostSection;
import io.tracepoint4j.rcu.internal.UnwindingSection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link UnwindingSection#closeWithInner()}, what the tracepoint firing code closes its sections
 * with: it ends the read() sections a failed close() left open inside its own, then its own, and
 * nothing else; what it refuses changes nothing. Each scenario runs on its own thread and ends
 * inside no section; the witness check then shows the books balanced (no unlock counted twice, no
 * lock left counted).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class UnwindingSectionTest {

    @RegisterExtension
    final Domains domains = new Domains();

    private static UnwindingSection unwinding(RcuDomain.ReadSection section) {
        assertThat(section).isInstanceOf(UnwindingSection.class);
        return (UnwindingSection) section;
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void endsTheSectionsLeftOpenInsideItThenItself(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "unwind-inner");
        assertMisuseChangesNothing(d, () -> {
            for (int deeper = 0; deeper < 40; deeper++) { // past SRCU's inline section entries
                RcuDomain.ReadSection outer = d.read();
                RcuDomain.ReadSection middle = d.read();
                for (int i = 0; i < deeper; i++) {
                    d.read(); // as if their close() failed and their frames were gone
                }
                unwinding(middle).closeWithInner();
                assertThat(d.inReadSection())
                        .as("the outer section is still open")
                        .isTrue();
                unwinding(outer).closeWithInner();
                assertThat(d.inReadSection())
                        .as("after %d sections left open inside", deeper)
                        .isFalse();
            }
        });
    }

    /**
     * restartIfAbandoned(), what a firing opened above the outermost level calls: with the
     * outermost section marked abandoned, every section of the thread (the caller's too) belongs
     * to an unwound frame, so it ends them, clears the mark and opens a new outermost section; with
     * no mark, the sections below are live firings' and it changes nothing.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void restartIfAbandonedEndsEverySectionOverAnAbandonedOneAndOpensAnOutermostOne(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "restart");
        assertMisuseChangesNothing(d, () -> {
            for (int deeper = 0; deeper < 40; deeper++) { // past SRCU's inline section entries
                RcuDomain.ReadSection outer = d.read();
                for (int i = 0; i < deeper; i++) {
                    d.read(); // inner sections a failed close left open, frames gone
                }
                ((OutermostSection) outer).abandoned = true; // the outermost firing's close overflowed
                RcuDomain.ReadSection current = d.read();
                RcuDomain.ReadSection restarted = unwinding(current).restartIfAbandoned();
                assertThat(unwinding(restarted).level())
                        .as("after %d inner sections", deeper)
                        .isOne();
                assertThat(((OutermostSection) outer).abandoned).as("the mark").isFalse();
                unwinding(restarted).closeWithInner();
                assertThat(d.inReadSection())
                        .as("after %d inner sections", deeper)
                        .isFalse();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void restartIfAbandonedWithoutTheMarkChangesNothing(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "restart-live");
        assertMisuseChangesNothing(d, () -> {
            RcuDomain.ReadSection outer = d.read();
            assertThat(unwinding(outer).restartIfAbandoned()).isSameAs(outer);
            RcuDomain.ReadSection inner = d.read();
            assertThat(unwinding(inner).restartIfAbandoned()).isSameAs(inner);
            assertThat(unwinding(inner).level()).isEqualTo(2);
            unwinding(inner).closeWithInner();
            assertThat(d.inReadSection()).as("the outer section is still open").isTrue();
            unwinding(outer).closeWithInner();
            assertThat(d.inReadSection()).isFalse();
        });
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void withNothingLeftOpenInsideItIsClose(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "unwind-plain");
        assertMisuseChangesNothing(d, () -> {
            RcuDomain.ReadSection outer = d.read();
            RcuDomain.ReadSection inner = d.read();
            unwinding(inner).closeWithInner();
            assertThat(d.inReadSection()).isTrue();
            unwinding(outer).closeWithInner();
            assertThat(d.inReadSection()).isFalse();
        });
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aSectionClosedAlreadyIsRefusedAndNothingChanges(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "unwind-closed");
        assertMisuseChangesNothing(d, () -> {
            RcuDomain.ReadSection outer = d.read();
            RcuDomain.ReadSection inner = d.read();
            inner.close();
            assertThatThrownBy(unwinding(inner)::closeWithInner)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed already");
            assertThat(d.inReadSection()).as("the outer section is still open").isTrue();
            outer.close();
            assertThatThrownBy(unwinding(outer)::closeWithInner)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Nothing was changed");
        });
    }

    @Test
    void anSrcuSectionOpenedByReadLockInsideIsRefusedAndNothingChanges() {
        Srcu d = domains.srcu("unwind-token");
        assertMisuseChangesNothing(d, () -> {
            RcuDomain.ReadSection outer = d.read();
            RcuDomain.ReadSection middle = d.read();
            int token = d.readLock();
            RcuDomain.ReadSection inner = d.read(); // open above the token's section
            for (RcuDomain.ReadSection refused : new RcuDomain.ReadSection[] {outer, middle}) {
                assertThatThrownBy(unwinding(refused)::closeWithInner)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("readUnlock(token)")
                        .hasMessageContaining("Nothing was changed");
            }
            unwinding(inner).closeWithInner(); // nothing inside it: allowed
            d.readUnlock(token); // still the innermost: nothing was changed
            unwinding(outer).closeWithInner();
            assertThat(d.inReadSection()).isFalse();
        });
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void anotherThreadIsRefused(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "unwind-thread");
        assertMisuseChangesNothing(d, () -> {
            RcuDomain.ReadSection outer = d.read();
            await(
                    async(
                            "other",
                            () -> assertThatThrownBy(unwinding(outer)::closeWithInner)
                                    .isInstanceOf(IllegalStateException.class)),
                    "closeWithInner() on another thread");
            assertThat(d.inReadSection()).isTrue();
            outer.close();
        });
    }
}
