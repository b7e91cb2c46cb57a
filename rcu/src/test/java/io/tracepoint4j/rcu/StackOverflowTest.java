package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.TestSupport.assertMisuseChangesNothing;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.rcu.OverflowingReader.Form;
import io.tracepoint4j.testkit.ForkedJvm;
import io.tracepoint4j.testkit.Waits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A thread that overflows its stack inside read-side critical sections, catches the
 * StackOverflowError and goes on, costs at worst its own sections. The recursion starts from varied
 * depths through frames of varied sizes, so the error lands at many points of the entry and exit
 * paths. An entry that throws leaves no trace; an exit that throws leaves its section open and
 * closable again: the recursion keeps what a failed exit did not end and ends it again once back
 * at the top (innermost first), after which the thread is inside no section. After the thread
 * ended, the books balance: a grace period still waits for a reader that is inside (no unlock
 * counted twice, no lock lost) and completes once it left (no phantom section, no lost unlock); the
 * domain closes; and the domain's own code keeps working (no call site whose first linkage failed
 * in the overflowing thread).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class StackOverflowTest {

    /** Overflows per thread; each lands at another point, as the start depth varies. */
    private static final int OVERFLOWS_PER_THREAD = 50;
    /** Threads per read-side form; each ends after its overflows, and then the books are checked. */
    private static final int THREADS = 4;

    @RegisterExtension
    final Domains domains = new Domains();

    @ParameterizedTest
    @EnumSource(Form.class)
    void overflowingInsideSectionsLeavesTheBooksBalanced(Form form) {
        AtomicInteger overflows = new AtomicInteger();
        AtomicInteger failedExits = new AtomicInteger();
        for (int round = 0; round < THREADS; round++) {
            RcuDomain d = domains.create(form.flavor, "soe-" + form.name().toLowerCase());
            // a small stack, so that the recursion overflows long before sections nest past their limit
            long stackSize = (256 + 128 * round) * 1024L;
            assertMisuseChangesNothing(
                    d,
                    () -> Waits.runToEnd("overflowing", stackSize, () -> {
                        OverflowingReader overflow = new OverflowingReader(form, d);
                        for (int i = 0; i < OVERFLOWS_PER_THREAD; i++) {
                            try {
                                overflow.pad(ThreadLocalRandom.current().nextInt(64));
                            } catch (StackOverflowError expected) {
                                overflows.incrementAndGet();
                            }
                            failedExits.addAndGet(overflow.endWhatFailedExitsLeftOpen());
                            assertThat(d.inReadSection())
                                    .as("inside a section of %s after overflow %d, every failed exit done again", d, i)
                                    .isFalse();
                        }
                    }));
        }
        assertThat(overflows.get()).isEqualTo(THREADS * OVERFLOWS_PER_THREAD);
        System.out.printf(
                "StackOverflowTest %s: %d overflows, %d exits failed and were done again%n",
                form, overflows.get(), failedExits.get());
    }

    /**
     * The first read() of a JVM may happen near a thread's stack limit, where loading and
     * initializing the read side's classes fails: a class whose initialization failed stays unusable
     * for the whole JVM. The domain initializes them when it is created, so reads with the whole
     * stack work afterwards (they threw NoClassDefFoundError for good before).
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void theFirstReadOfTheJvmAtTheStackLimitBreaksNothing(Flavor flavor) {
        ForkedJvm.Result r = ForkedJvm.run(
                FirstReadAtStackLimitMain.class,
                List.of("-ea", "--enable-native-access=ALL-UNNAMED"),
                List.of(flavor.name()),
                RcuDomain.class);
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("OK");
    }

    /**
     * As above, but the domain is created while the thread is already at its stack limit, and it
     * reads at once: the read side's set-up, which runs on a thread of its own (ReadSideSetup), must
     * have begun there before the constructor returns, or this reader initializes the read side at
     * the limit. It fails (NoClassDefFoundError of ReadSideBarrier) when the constructor starts no
     * set-up. A set-up started but not yet begun when the constructor returns (no wait for BEGUN) is a
     * window of microseconds that these runs did not hit in 3 tries; ReadSideSetup's design note
     * argues that case.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aDomainCreatedWhileAThreadIsAtTheStackLimitIsReadThereSafely(Flavor flavor) {
        ForkedJvm.Result r = ForkedJvm.run(
                FirstReadAtStackLimitMain.class,
                List.of("-ea", "--enable-native-access=ALL-UNNAMED"),
                List.of(flavor.name(), "created-while-diving"),
                RcuDomain.class);
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("OK");
    }

    /**
     * The same overflows where an entry's barrier is a call of its own (not inlined), so the error
     * lands right after the entry store: the entry must take its count back with plain stores,
     * since the catch block runs interpreted and any call there overflows again. A count left
     * behind makes the domain's grace periods wait forever. It did: a torture run hung that way,
     * and with the undo written as a call (before the fix) this test fails on SRCU_READ in 4 runs
     * out of 4.
     */
    @Test
    void anOverflowBetweenTheEntryStoreAndTheBarrierLeavesTheBooksBalanced() {
        List<String> args = new ArrayList<>(List.of("8", "24"));
        for (Form form : Form.values()) {
            args.add(form.name());
        }
        ForkedJvm.Result r = ForkedJvm.run(
                OverflowAtTheBarrierMain.class,
                List.of(
                        "-XX:CompileCommand=quiet",
                        "-XX:CompileCommand=dontinline,io.tracepoint4j.rcu.AdaptiveReaderFences::readerBarrier",
                        "-ea",
                        "--enable-native-access=ALL-UNNAMED"),
                args,
                RcuDomain.class);
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("OK");
    }
}
