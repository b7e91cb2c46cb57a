package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint.Flavor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A short storm of register/unregister/synchronizeUnregister while threads fire, for both flavors
 * (the long one is the torture target), with few probes (always bound into the dispatch target)
 * and with more than {@link ProbeUpdates#INLINED_PROBES} (the count crosses between the bound
 * probes and the loop over the array while firings run). Checks docs/design/tracepoints.md oracle 1 (no call after
 * synchronizeUnregister), oracle 2 (a firing made entirely while a probe was registered reaches it
 * exactly once; no firing reaches a probe twice), oracle 3 (each firing calls its probes in
 * descending priority, registration order among equals) and oracle 6 (a probe is only called while
 * registered, with the firing's own arguments).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class ChurnTest {

    /** The prototype: which firer, and that firer's firing number. */
    public interface Shot {
        void shot(int firer, long firing);
    }

    private static final int FIRERS = 2;
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    // probe states, in the order the churn thread moves a probe through them
    static final int IDLE = 0; // never registered, or past synchronizeUnregister: must not be called
    static final int REGISTERING = 1;
    static final int REGISTERED = 2; // register() returned, unregister() not yet called
    static final int UNREGISTERING = 3; // unregister() called or returned, no synchronizeUnregister since

    /** The firing each firer is making now: a probe checks that it was given exactly that. */
    static final long[] CURRENT = new long[FIRERS];

    /**
     * CALLED.get(f): the ranks of the probes firer f's current firing called so far, in call order;
     * touched only by firer f (probes run on the firing thread).
     */
    static final List<List<Rank>> CALLED = Stream.generate(() -> (List<Rank>) new ArrayList<Rank>())
            .limit(FIRERS)
            .toList();

    /** A registration's place in firing order: priority, then the order register() was called in. */
    record Rank(int priority, long registered) {
        boolean runsBefore(Rank next) {
            return priority > next.priority || (priority == next.priority && registered < next.registered);
        }
    }

    static final class Probe implements Shot {
        final int id;
        volatile int state = IDLE;
        /** Incremented after each register() returns, before state becomes REGISTERED. */
        volatile int generation;
        /**
         * Of the current registration: set before register(), and not again before a
         * synchronizeUnregister() after its unregister(), so every call made through that
         * registration reads it.
         */
        volatile Rank rank;
        /** calls[f]: calls made by firer f's firings; written only by firer f. */
        final long[] calls = new long[FIRERS];

        final AtomicLong callsWhileIdle = new AtomicLong();
        final AtomicLong wrongArguments = new AtomicLong();

        Probe(int id) {
            this.id = id;
        }

        @Override
        public void shot(int firer, long firing) {
            if (state == IDLE) {
                callsWhileIdle.incrementAndGet();
            }
            if (CURRENT[firer] != firing) {
                wrongArguments.incrementAndGet();
            }
            calls[firer]++;
            CALLED.get(firer).add(rank);
        }

        @Override
        public String toString() {
            return "probe" + id;
        }
    }

    /** Each flavor with 6 probes, and with 14: a count that crosses INLINED_PROBES both ways. */
    static Stream<Arguments> flavorsAndProbeCounts() {
        return Stream.of(Flavor.values())
                .flatMap(flavor ->
                        Stream.of(Arguments.of(flavor, 6), Arguments.of(flavor, ProbeUpdates.INLINED_PROBES + 6)));
    }

    @ParameterizedTest
    @MethodSource("flavorsAndProbeCounts")
    void registerUnregisterStormWhileFiring(Flavor flavor, int probeCount) {
        String name = unique("churn", "shot");
        Tracepoint<Shot> tp = flavor == Flavor.FAULTABLE
                ? Tracepoint.defineFaultable(name, Shot.class, "firer", "firing")
                : Tracepoint.define(name, Shot.class, "firer", "firing");
        List<Probe> probes = new ArrayList<>();
        for (int i = 0; i < probeCount; i++) {
            probes.add(new Probe(i));
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong missed = new AtomicLong();
        AtomicLong twice = new AtomicLong();
        AtomicLong misordered = new AtomicLong();
        AtomicReference<String> firstMisordered = new AtomicReference<>();
        AtomicLong checkedFirings = new AtomicLong();

        List<CompletableFuture<Void>> firers = new ArrayList<>();
        for (int f = 0; f < FIRERS; f++) {
            int firer = f;
            firers.add(async("firer-" + f, () -> {
                int[] generation = new int[probeCount];
                boolean[] registered = new boolean[probeCount];
                long[] before = new long[probeCount];
                List<Rank> called = CALLED.get(firer);
                long firing = 0;
                while (!stop.get()) {
                    for (int p = 0; p < probeCount; p++) {
                        Probe probe = probes.get(p);
                        generation[p] = probe.generation; // then the state: see ChurnTest notes below
                        registered[p] = probe.state == REGISTERED;
                        before[p] = probe.calls[firer];
                    }
                    called.clear();
                    CURRENT[firer] = ++firing;
                    tp.fire().shot(firer, firing);
                    for (int i = 1; i < called.size(); i++) {
                        if (!called.get(i - 1).runsBefore(called.get(i))) {
                            misordered.incrementAndGet();
                            firstMisordered.compareAndSet(null, called.toString());
                        }
                    }
                    for (int p = 0; p < probeCount; p++) {
                        Probe probe = probes.get(p);
                        long delta = probe.calls[firer] - before[p];
                        if (delta > 1) {
                            twice.incrementAndGet();
                        }
                        boolean throughout =
                                registered[p] && probe.state == REGISTERED && probe.generation == generation[p];
                        if (throughout) {
                            checkedFirings.incrementAndGet();
                            if (delta != 1) {
                                missed.incrementAndGet();
                            }
                        }
                    }
                }
            }));
        }

        SplittableRandom random = new SplittableRandom(42);
        long deadline = System.nanoTime() + RUN_NANOS;
        long operations = 0;
        long registrations = 0;
        int registered = 0;
        long crossings = 0; // updates that moved the count across INLINED_PROBES, either way
        while (System.nanoTime() - deadline < 0) {
            Probe probe = probes.get(random.nextInt(probeCount));
            switch (probe.state) {
                case IDLE -> {
                    probe.state = REGISTERING;
                    int priority = random.nextInt(3);
                    probe.rank = new Rank(priority, ++registrations);
                    tp.register(probe, priority);
                    probe.generation++;
                    probe.state = REGISTERED;
                    if (++registered == ProbeUpdates.INLINED_PROBES + 1) {
                        crossings++;
                    }
                }
                case REGISTERED -> {
                    probe.state = UNREGISTERING;
                    tp.unregister(probe);
                    if (registered-- == ProbeUpdates.INLINED_PROBES + 1) {
                        crossings++;
                    }
                }
                default -> {
                    // an unregistered probe becomes idle (callable never again) after synchronizeUnregister
                    if (random.nextInt(4) == 0) {
                        tp.synchronizeUnregister();
                        for (Probe p : probes) {
                            if (p.state == UNREGISTERING) {
                                p.state = IDLE;
                            }
                        }
                    }
                }
            }
            operations++;
        }
        stop.set(true);
        for (CompletableFuture<Void> f : firers) {
            await(f, "a firer");
        }
        for (Probe probe : probes) {
            if (probe.state == REGISTERED) {
                tp.unregister(probe);
            }
        }
        tp.synchronizeUnregister();

        assertThat(operations).isGreaterThan(100);
        assertThat(crossings)
                .as("updates across %d probes, while firing", ProbeUpdates.INLINED_PROBES)
                .isGreaterThanOrEqualTo(probeCount > ProbeUpdates.INLINED_PROBES ? 20 : 0);
        assertThat(checkedFirings.get())
                .as("firings made entirely while a probe was registered")
                .isPositive();
        assertThat(missed.get())
                .as("firings that missed a probe registered throughout")
                .isZero();
        assertThat(twice.get()).as("firings that called a probe twice").isZero();
        assertThat(misordered.get())
                .as("probe pairs called out of priority/registration order, first: %s", firstMisordered.get())
                .isZero();
        for (Probe probe : probes) {
            assertThat(probe.callsWhileIdle.get())
                    .as(probe + " called after synchronizeUnregister")
                    .isZero();
            assertThat(probe.wrongArguments.get())
                    .as(probe + " called with another firing's arguments")
                    .isZero();
        }
    }

    /*
     * Notes on the oracle-2 bookkeeping. The churn thread writes, for a registration: state =
     * REGISTERING, register(), generation++, state = REGISTERED; and before unregister(): state =
     * UNREGISTERING. A firer reads generation then state before firing, state then generation
     * after. If both reads say REGISTERED with the same generation g, then register() of g returned
     * before the firing began (generation was already g) and unregister() of g was not yet called
     * when it ended (state still REGISTERED, generation still g): the firing was entirely inside the
     * registration and must reach the probe exactly once.
     *
     * Oracle 3: every firing calls the probes of one immutable array (or of one dispatch target built
     * from it), sorted by descending priority and then by the order of register() calls, which the
     * single churn thread numbers. So the ranks a firing calls must be in strictly increasing firing
     * order, whichever updates ran meanwhile.
     */
}
