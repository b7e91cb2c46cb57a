package io.tracepoint4j.cli;

import io.tracepoint4j.Tracepoint;

/**
 * A command for BriefCommandTest to start, over in a moment: defines {@code brief:tick}, fires it
 * 1,000 times, then defines {@code brief:tock} and fires it 1,000 times with n = 0..999, and exits.
 * Without the start gate it ends long before a tool can attach (about a second).
 */
public final class BriefTarget {
    /** The prototype. */
    public interface Tick {
        void tick(long n);
    }

    static final int FIRINGS = 1_000;

    private BriefTarget() {}

    public static void main(String[] args) {
        Tracepoint<Tick> tick = Tracepoint.define("brief:tick", Tick.class, "n");
        for (long n = 0; n < FIRINGS; n++) {
            tick.fire().tick(n);
        }
        Tracepoint<Tick> tock = Tracepoint.define("brief:tock", Tick.class, "n");
        for (long n = 0; n < FIRINGS; n++) {
            tock.fire().tick(n);
        }
    }
}
