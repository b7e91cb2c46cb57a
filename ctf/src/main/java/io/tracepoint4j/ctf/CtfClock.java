package io.tracepoint4j.ctf;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The clock of a trace's timestamps, as its metadata describes it: a name, a UUID, a frequency, and
 * the offset from the Unix epoch to the clock's zero, with which babeltrace2 prints wall-clock times.
 * Every timestamp of a trace (packet begin and end, event) is a full 64-bit value of this clock.
 * Immutable.
 *
 * <p>{@link #monotonic()} is the clock of {@link System#nanoTime()}, which reads CLOCK_MONOTONIC on
 * Linux: nanoseconds since boot, shared by every process of the machine, so it never wraps in 64
 * bits. Its UUID is the machine's boot id, as LTTng's is: babeltrace2 merges traces onto one timeline
 * only when their clocks share a UUID (or are all absolute), so traces written by two JVMs of one
 * boot merge ({@code babeltrace2 DIR1 DIR2}).
 */
public final class CtfClock {
    /** The file holding the boot id on Linux. */
    static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final String name;
    private final UUID uuid;
    private final String description;
    private final long frequency;
    private final long precision;
    private final long offsetSeconds;
    private final long offsetCycles;
    private final boolean absolute;

    private CtfClock(Builder b) {
        this.name = b.name;
        this.uuid = b.uuid;
        this.description = b.description;
        this.frequency = b.frequency;
        this.precision = b.precision;
        this.offsetSeconds = b.offsetSeconds;
        this.offsetCycles = b.offsetCycles;
        this.absolute = b.absolute;
    }

    /**
     * The clock of {@link System#nanoTime()} (CLOCK_MONOTONIC on Linux), named {@code monotonic}, at
     * 1 GHz, with the machine's boot id as UUID (a random UUID where there is none: such traces merge
     * with no other), and an offset measured now: the wall clock minus {@code System.nanoTime()}, so
     * babeltrace2 prints each event at its wall-clock time. Not {@code absolute}.
     */
    public static CtfClock monotonic() {
        long offset = monotonicOffsetNanos();
        UUID bootId = bootId();
        return builder("monotonic")
                .uuid(bootId != null ? bootId : UUID.randomUUID())
                .description("CLOCK_MONOTONIC as System.nanoTime() reads it: nanoseconds since boot")
                .frequency(NANOS_PER_SECOND)
                .precision(1)
                .offset(Math.floorDiv(offset, NANOS_PER_SECOND), Math.floorMod(offset, NANOS_PER_SECOND))
                .build();
    }

    /** A builder of a clock named {@code name}, a TSDL identifier ({@code [A-Za-z_][A-Za-z0-9_]*}). */
    public static Builder builder(String name) {
        Objects.requireNonNull(name, "name");
        if (!Tsdl.isIdentifier(name) || Tsdl.isReserved(name)) {
            throw new IllegalArgumentException("clock name " + Tsdl.quoteForMessage(name)
                    + " is not a TSDL identifier ([A-Za-z_][A-Za-z0-9_]*, not a keyword); the metadata"
                    + " refers to the clock by it: choose one such as \"monotonic\"");
        }
        return new Builder(name);
    }

    /** The name. */
    public String name() {
        return name;
    }

    /** The UUID; traces whose clocks share it are merged on one timeline. */
    public UUID uuid() {
        return uuid;
    }

    /** The description. */
    public String description() {
        return description;
    }

    /** The frequency in Hz: clock cycles (timestamp units) per second. */
    public long frequency() {
        return frequency;
    }

    /** The precision in cycles. */
    public long precision() {
        return precision;
    }

    /** Whole seconds from the Unix epoch to the clock's zero. */
    public long offsetSeconds() {
        return offsetSeconds;
    }

    /** Cycles added to {@link #offsetSeconds()}, below one second's worth. */
    public long offsetCycles() {
        return offsetCycles;
    }

    /** Whether the clock is a global reference (then traces merge whatever their clocks' UUIDs). */
    public boolean absolute() {
        return absolute;
    }

    /** Nanoseconds since the clock's zero at {@code cycles} (a timestamp), rounded down. */
    public long toNanos(long cycles) {
        if (frequency == NANOS_PER_SECOND) {
            return cycles;
        }
        long seconds = Long.divideUnsigned(cycles, frequency);
        long rest = Long.remainderUnsigned(cycles, frequency); // below frequency
        long restNanos = rest <= Long.MAX_VALUE / NANOS_PER_SECOND
                ? rest * NANOS_PER_SECOND / frequency
                : BigInteger.valueOf(rest)
                        .multiply(BigInteger.valueOf(NANOS_PER_SECOND))
                        .divide(BigInteger.valueOf(frequency))
                        .longValue();
        return seconds * NANOS_PER_SECOND + restNanos;
    }

    /** The wall-clock time of {@code cycles} (a timestamp): the offset plus the cycles. */
    public Instant toInstant(long cycles) {
        long offsetNanos = toNanos(offsetCycles);
        return Instant.ofEpochSecond(offsetSeconds, offsetNanos).plusNanos(toNanos(cycles));
    }

    /**
     * The machine's boot id (on Linux, from {@code /proc/sys/kernel/random/boot_id}), or null where
     * there is none.
     */
    static UUID bootId() {
        try {
            return UUID.fromString(
                    Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim());
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }

    /**
     * The wall clock minus {@link System#nanoTime()}, in nanoseconds: the best of a few readings, each
     * the wall clock read between two {@code nanoTime()} readings and set against their midpoint; the
     * pair closest together wins (the least disturbed by preemption).
     */
    static long monotonicOffsetNanos() {
        long best = 0;
        long bestGap = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            long before = System.nanoTime();
            Instant wall = Instant.now();
            long after = System.nanoTime();
            long gap = after - before;
            if (gap < bestGap) {
                bestGap = gap;
                long wallNanos =
                        Math.addExact(Math.multiplyExact(wall.getEpochSecond(), NANOS_PER_SECOND), wall.getNano());
                best = wallNanos - (before + gap / 2);
            }
        }
        return best;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CtfClock other
                && name.equals(other.name)
                && uuid.equals(other.uuid)
                && description.equals(other.description)
                && frequency == other.frequency
                && precision == other.precision
                && offsetSeconds == other.offsetSeconds
                && offsetCycles == other.offsetCycles
                && absolute == other.absolute;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, uuid, description, frequency, precision, offsetSeconds, offsetCycles, absolute);
    }

    @Override
    public String toString() {
        return "clock " + name + " (" + uuid + ", " + frequency + " Hz, offset " + offsetSeconds + " s + "
                + offsetCycles + " cycles" + (absolute ? ", absolute" : "") + ")";
    }

    /** Builds a {@link CtfClock}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private UUID uuid;
        private String description = "";
        private long frequency = NANOS_PER_SECOND;
        private long precision = 1;
        private long offsetSeconds;
        private long offsetCycles;
        private boolean absolute;

        private Builder(String name) {
            this.name = name;
        }

        /** The UUID; by default the machine's boot id, or a random UUID where there is none. */
        public Builder uuid(UUID uuid) {
            this.uuid = Objects.requireNonNull(uuid, "uuid");
            return this;
        }

        /** The description (any text without NUL characters); empty by default. */
        public Builder description(String description) {
            Tsdl.literal(description); // refuses a NUL
            this.description = description;
            return this;
        }

        /** The frequency in Hz, 1 or more; 1 GHz (nanoseconds) by default. */
        public Builder frequency(long hz) {
            if (hz < 1) {
                throw new IllegalArgumentException("clock " + name + ": frequency " + hz + " Hz must be 1 or more");
            }
            this.frequency = hz;
            return this;
        }

        /** The precision in cycles, 0 or more; 1 by default. */
        public Builder precision(long cycles) {
            if (cycles < 0) {
                throw new IllegalArgumentException("clock " + name + ": precision " + cycles + " must be 0 or more");
            }
            this.precision = cycles;
            return this;
        }

        /**
         * The offset from the Unix epoch to the clock's zero: {@code seconds} plus {@code cycles} (0 to
         * frequency - 1); zero by default.
         */
        public Builder offset(long seconds, long cycles) {
            if (cycles < 0) {
                throw new IllegalArgumentException("clock " + name + ": offset cycles " + cycles
                        + " must be 0 or more (put whole seconds in" + " seconds)");
            }
            this.offsetSeconds = seconds;
            this.offsetCycles = cycles;
            return this;
        }

        /** Whether the clock is a global reference; false by default. */
        public Builder absolute(boolean absolute) {
            this.absolute = absolute;
            return this;
        }

        /** The clock. */
        public CtfClock build() {
            if (offsetCycles >= frequency) {
                throw new IllegalArgumentException("clock " + name + ": offset cycles " + offsetCycles
                        + " must be below the frequency " + frequency + "; put whole seconds in seconds");
            }
            if (uuid == null) {
                UUID bootId = bootId();
                uuid = bootId != null ? bootId : UUID.randomUUID();
            }
            return new CtfClock(this);
        }
    }
}
