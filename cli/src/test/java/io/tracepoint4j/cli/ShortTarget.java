package io.tracepoint4j.cli;

import io.tracepoint4j.Tracepoint;

/** A command for RecordCommandTest to start: fires {@code st:tick} about every 100 us for 5 s, then exits. */
public final class ShortTarget {
    /** The prototype. */
    public interface Tick {
        void tick(long n);
    }

    private ShortTarget() {}

    public static void main(String[] args) {
        Tracepoint<Tick> tick = Tracepoint.define("st:tick", Tick.class, "n");
        long end = System.nanoTime() + 5_000_000_000L;
        for (long n = 0; System.nanoTime() < end; n++) {
            tick.fire().tick(n);
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }
}
