package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.testkit.ForkedJvm;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The session clocks: the time-stamp counter where this machine has an invariant one (it does on
 * the project's machines: x86-64 KVM, constant_tsc and nonstop_tsc), agreeing with nanoTime and
 * never going back across threads; nanoTime otherwise, with the reason.
 */
class TraceClockTest {

    @Test
    void theCounterIsUsedHereAndAgreesWithNanoTime() throws InterruptedException {
        assertThat(TraceClock.best())
                .as("x86-64 Linux with an invariant TSC and native access")
                .isInstanceOf(TimeStampCounterClock.class);
        TraceClock tsc = TraceClock.timeStampCounter();
        assertThat(tsc.frequency()).isBetween(500_000_000L, 10_000_000_000L);
        long ticks0 = tsc.now();
        long nanos0 = System.nanoTime();
        Thread.sleep(100);
        long ticks1 = tsc.now();
        long nanos1 = System.nanoTime();
        double measured = (ticks1 - ticks0) * 1e9 / tsc.frequency();
        assertThat(measured / (nanos1 - nanos0))
                .as("counter time over nanoTime time")
                .isBetween(0.99, 1.01);
        long wall = TraceClock.epochNanosNow();
        long fromCounter = tsc.epochNanosAtZero() + Math.round(tsc.now() * 1e9 / tsc.frequency());
        assertThat(Math.abs(fromCounter - wall))
                .as("wall clock from the counter, ns off")
                .isLessThan(50_000_000L);
    }

    @Test
    void theCounterNeverGoesBackBetweenThreadsInCausalOrder() throws InterruptedException {
        TraceClock tsc = TraceClock.timeStampCounter();
        int rounds = 200_000;
        AtomicInteger turn = new AtomicInteger(); // whose read is next: round r is thread r % 2's
        AtomicLong last = new AtomicLong(Long.MIN_VALUE); // the previous read, by the other thread
        long[] backwards = new long[2];
        Thread[] threads = new Thread[2];
        for (int t = 0; t < 2; t++) {
            int self = t;
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int round = self; round < rounds; round += 2) {
                    while (turn.get() != round) {
                        Thread.onSpinWait();
                    }
                    long now = tsc.now(); // after the other thread's read, in causal order
                    if (now < last.get()) {
                        backwards[self]++;
                    }
                    last.set(now);
                    turn.set(round + 1);
                }
            });
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(backwards[0] + backwards[1]).as("reads that went back").isZero();
    }

    @Test
    void withoutNativeAccessSessionsUseNanoTimeAndSayWhy() {
        ForkedJvm.Result r = ForkedJvm.run(
                ClockChoiceMain.class,
                List.of("-ea"),
                List.of(),
                TraceClock.class,
                io.tracepoint4j.ringbuffer.Clock.class);
        assertThat(r.exit()).as("output:%n%s", r.output()).isZero();
        assertThat(r.output())
                .contains("best: monotonic")
                .contains("native access is not enabled")
                .contains("--enable-native-access=ALL-UNNAMED");
    }

    /**
     * A wall-clock time of the recent past converts to the tick read that long ago, on both clocks;
     * a time in the future to now's tick.
     */
    @Test
    void aWallClockTimeOfTheRecentPastConvertsToItsTick() {
        for (TraceClock clock : List.of(TraceClock.nanoTime(), TraceClock.best())) {
            long agoNanos = 250_000_000L;
            long before = clock.now();
            long tick = clock.tickAtEpochNanos(TraceClock.epochNanosNow() - agoNanos);
            long after = clock.now();
            double tickNanos = 1e9 / clock.frequency();
            assertThat(tick)
                    .as("%s: 250 ms ago", clock.name())
                    .isBetween(
                            before - Math.round((agoNanos + 1_000_000) / tickNanos),
                            after - Math.round(agoNanos / tickNanos) + 1);
            long future = clock.tickAtEpochNanos(TraceClock.epochNanosNow() + 10_000_000_000L);
            assertThat(future).as("%s: the future is now", clock.name()).isLessThanOrEqualTo(clock.now());
        }
    }

    @Test
    void nanoTimeIsOneGigahertzAndOnTheWallClock() {
        TraceClock clock = TraceClock.nanoTime();
        assertThat(clock.frequency()).isEqualTo(1_000_000_000L);
        long fromClock = clock.epochNanosAtZero() + clock.now();
        assertThat(Math.abs(fromClock - TraceClock.epochNanosNow())).isLessThan(50_000_000L);
    }
}
