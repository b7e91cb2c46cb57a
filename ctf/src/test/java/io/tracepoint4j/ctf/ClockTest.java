package io.tracepoint4j.ctf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The clock: the boot id as UUID, the monotonic clock's offset, conversions. */
class ClockTest {
    @Test
    void theMonotonicClockHasTheBootIdAndTheWallClockOffset() throws Exception {
        assumeThat(CtfClock.BOOT_ID).exists();
        UUID bootId = UUID.fromString(Files.readString(CtfClock.BOOT_ID).trim());
        CtfClock clock = CtfClock.monotonic();
        assertThat(clock.uuid()).isEqualTo(bootId).isEqualTo(CtfClock.bootId());
        assertThat(clock.name()).isEqualTo("monotonic");
        assertThat(clock.frequency()).isEqualTo(1_000_000_000L);
        assertThat(clock.absolute()).isFalse();
        assertThat(clock.offsetCycles()).isBetween(0L, 999_999_999L);
        long now = System.nanoTime();
        Instant wall = Instant.now();
        assertThat(Duration.between(wall, clock.toInstant(now)).abs()).isLessThan(Duration.ofMillis(100));
        // a builder's default UUID is the boot id too
        assertThat(CtfClock.builder("c").build().uuid()).isEqualTo(bootId);
    }

    @Test
    void convertsCyclesAtAnyFrequency() {
        CtfClock ghz = CtfClock.builder("c").offset(100, 5).build();
        assertThat(ghz.toNanos(1_500_000_000L)).isEqualTo(1_500_000_000L);
        assertThat(ghz.toInstant(1_500_000_000L)).isEqualTo(Instant.ofEpochSecond(101, 500_000_005));
        CtfClock khz = CtfClock.builder("c").frequency(1000).offset(0, 250).build();
        assertThat(khz.toNanos(1234)).isEqualTo(1_234_000_000L);
        assertThat(khz.toInstant(1)).isEqualTo(Instant.ofEpochSecond(0, 251_000_000));
        CtfClock fast = CtfClock.builder("c").frequency(30_000_000_000L).build();
        assertThat(fast.toNanos(30_000_000_000L + 29_999_999_999L)).isEqualTo(1_999_999_999L);
        assertThat(fast.toNanos(-1L)).as("unsigned: 2^64-1 cycles").isEqualTo(614_891_469_123_651_720L);
    }
}
