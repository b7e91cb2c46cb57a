package io.tracepoint4j.cli;

import io.tracepoint4j.Tracepoint;

/**
 * A command for BriefCommandTest to start, over in a moment: defines {@code brief:tick}, fires it
 * 1,000 times, then defines {@code brief:tock} and fires it 1,000 times with n = 0..999, and exits.
 * Without the start gate it ends long before a tool can attach (about a second). With the argument
 * {@code hooked}, brief:tick has a lifecycle hook, the gate does not hold it, and it sleeps 5 s
 * after its ticks instead.
 */
public final class BriefTarget {
    /** The prototype. */
    public interface Tick {
        void tick(long n);
    }

    static final int FIRINGS = 1_000;

    private BriefTarget() {}

    public static void main(String[] args) throws InterruptedException {
        Tracepoint<Tick> tick = args.length > 0 && args[0].equals("hooked") // where it must not wait for tp
                ? Tracepoint.builder("brief:tick", Tick.class)
                        .arguments("n")
                        .onFirstProbe(new Runnable() {
                            @Override
                            public void run() {}
                        })
                        .define()
                : Tracepoint.define("brief:tick", Tick.class, "n");
        for (long n = 0; n < FIRINGS; n++) {
            tick.fire().tick(n);
        }
        if (args.length > 0) { // not held by the gate: it lives long enough for tp to attach (about a second)
            Thread.sleep(5_000);
        }
        Tracepoint<Tick> tock = Tracepoint.define("brief:tock", Tick.class, "n");
        for (long n = 0; n < FIRINGS; n++) {
            tock.fire().tick(n);
        }
    }
}
