package io.tracepoint4j.cli;

import io.tracepoint4j.Tracepoint;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A command for RecordCommandTest to start: defines {@code late:ready} (so that tp attaches), waits
 * until the file {@code args[0]} exists, then defines {@code late:tick}, fires it 100 times and
 * exits: a tracepoint defined after tp stat started counting.
 */
public final class LateTarget {
    /** The prototype. */
    public interface Tick {
        void tick(long n);
    }

    private LateTarget() {}

    public static void main(String[] args) throws InterruptedException {
        Tracepoint.define("late:ready", Tick.class, "n");
        Path go = Path.of(args[0]);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(go) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Tracepoint<Tick> tick = Tracepoint.define("late:tick", Tick.class, "n");
        for (long n = 0; n < 100; n++) {
            tick.fire().tick(n);
        }
    }
}
