package io.tracepoint4j.cli;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.tracer.Session;
import java.nio.file.Path;

/**
 * A JVM with a flight recorder for SnapshotCommandTest: an OVERWRITE session records {@code
 * fr:tick}, fired about every 100 us, until stdin closes (at most 120 s), then writes its trace
 * into the folder its argument names. Prints "ready" only.
 */
public final class FlightRecorderTarget {
    /** The prototype. */
    public interface Tick {
        void tick(long n);
    }

    private FlightRecorderTarget() {}

    public static void main(String[] args) throws Exception {
        Tracepoint<Tick> tick = Tracepoint.define("fr:tick", Tick.class, "n");
        Session flight = Session.builder("flight")
                .enable("fr:*")
                .mode(Mode.OVERWRITE)
                .output(Path.of(args[0])) // the test's folder, which it deletes
                .start();
        Thread.ofPlatform().daemon().name("ticking").start(() -> {
            for (long n = 0; ; n++) {
                tick.fire().tick(n);
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        });
        System.out.println("ready");
        System.out.flush();
        long end = System.nanoTime() + 120_000_000_000L;
        while (System.in.read() >= 0 && System.nanoTime() < end) {
            // until the test closes our stdin
        }
        flight.stop();
    }
}
