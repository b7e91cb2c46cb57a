package io.tracepoint4j.cli;

import io.tracepoint4j.Tracepoint;

/**
 * A command for NotesTest to start, over in milliseconds: defines {@code quick:ready(n)} (where
 * the start gate holds it for tp), fires it, then defines {@code quick:other(m)} (no argument n)
 * and fires it, and exits: a note about quick:other, which a filter on n does not fit, arises
 * well within tp's first second.
 */
public final class QuickNotesTarget {
    /** The prototype. */
    public interface Tick {
        void tick(long value);
    }

    private QuickNotesTarget() {}

    public static void main(String[] args) {
        Tracepoint.define("quick:ready", Tick.class, "n").fire().tick(1);
        Tracepoint.define("quick:other", Tick.class, "m").fire().tick(2);
    }
}
