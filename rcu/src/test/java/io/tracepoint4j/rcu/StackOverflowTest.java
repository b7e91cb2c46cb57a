package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.TestSupport.assertMisuseChangesNothing;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.testkit.ForkedJvm;
import io.tracepoint4j.testkit.Waits;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

    /** The ways a thread enters and leaves a section. */
    enum Form {
        SRCU_READ(Flavor.SRCU),
        SRCU_TOKEN(Flavor.SRCU),
        SRCU_HANDOFF(Flavor.SRCU),
        CLASSIC_READ(Flavor.CLASSIC),
        CLASSIC_LOCK(Flavor.CLASSIC);

        final Flavor flavor;

        Form(Flavor flavor) {
            this.flavor = flavor;
        }
    }

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
                        Overflow overflow = new Overflow(form, d);
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
     * One thread's recursion through sections of one form. An exit that throws (out of stack, or
     * refused because a section inside it is still open) is kept, innermost first, in arrays made
     * beforehand: storing into them calls nothing, so it cannot overflow.
     */
    private static final class Overflow {
        private final Form form;
        private final RcuDomain d;
        private final int[] tokens = new int[1 << 16];
        private final RcuDomain.ReadSection[] sections = new RcuDomain.ReadSection[1 << 16];
        private int failed;

        Overflow(Form form, RcuDomain d) {
            this.form = form;
            this.d = d;
        }

        /** Shifts the start of the recursion by {@code n} frames of another size. */
        void pad(int n) {
            long a = n, b = a * 3, c = b * 5, e = c * 7;
            if (n > 0) {
                pad(n - 1);
            } else {
                recurse(0);
            }
            sink = a + b + c + e;
        }

        private void recurse(int depth) {
            switch (form) {
                case SRCU_READ, CLASSIC_READ -> {
                    RcuDomain.ReadSection s = d.read();
                    try {
                        recurse(depth + 1);
                    } finally {
                        try {
                            s.close();
                        } catch (Throwable t) {
                            sections[failed++] = s;
                        }
                    }
                }
                case SRCU_TOKEN -> {
                    int token = ((Srcu) d).readLock();
                    try {
                        recurse(depth + 1);
                    } finally {
                        try {
                            ((Srcu) d).readUnlock(token);
                        } catch (Throwable t) {
                            tokens[failed++] = token;
                        }
                    }
                }
                case SRCU_HANDOFF -> {
                    int token = ((Srcu) d).downRead();
                    try {
                        recurse(depth + 1);
                    } finally {
                        try {
                            ((Srcu) d).upRead(token);
                        } catch (Throwable t) {
                            tokens[failed++] = token;
                        }
                    }
                }
                case CLASSIC_LOCK -> {
                    ((ClassicRcu) d).readLock();
                    try {
                        recurse(depth + 1);
                    } finally {
                        try {
                            ((ClassicRcu) d).readUnlock();
                        } catch (Throwable t) {
                            failed++;
                        }
                    }
                }
            }
        }

        /** Ends, back at the top of the stack, what failed exits left open; returns how many. */
        int endWhatFailedExitsLeftOpen() {
            int n = failed;
            for (int i = 0; i < n; i++) {
                switch (form) {
                    case SRCU_READ, CLASSIC_READ -> sections[i].close();
                    case SRCU_TOKEN -> ((Srcu) d).readUnlock(tokens[i]);
                    case SRCU_HANDOFF -> ((Srcu) d).upRead(tokens[i]);
                    case CLASSIC_LOCK -> ((ClassicRcu) d).readUnlock();
                }
            }
            failed = 0;
            return n;
        }
    }

    private static volatile long sink;
}
