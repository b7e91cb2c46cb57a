package io.tracepoint4j.rcu.internal;

/**
 * What every read() section of this module also is: a section that can end the read() sections a
 * failed close() left open inside it. Shared with the tracepoint module (the package is exported to the modules above only); not
 * part of the user's API, whose close() refuses (SRCU) or ignores (classic) a section still open
 * inside the one being closed.
 *
 * <p>Why: a close() can fail with StackOverflowError before it ended its section (any call can,
 * near the stack limit), and the frame that owned the section is gone once the error propagates.
 * Code that nests sections only through its own frames, as the tracepoint firing code does on its
 * private domains, knows that any read() section still open inside the one it closes belongs to a
 * frame already unwound, and ends it here, where the stack is shallower.
 */
public interface UnwindingSection {
    /**
     * Ends the read() sections of the calling thread still open inside this one, innermost first,
     * then this one. Either each section ends or it stays open, closable again by another call of
     * this method (the engine's [E]).
     *
     * @throws IllegalStateException if this section is not open on the calling thread, or a section
     *     inside it was opened another way (readLock()); nothing is changed then
     */
    void closeWithInner();

    /**
     * This section's depth among the calling thread's open read() sections of its domain: 1 for the
     * outermost. The tracepoint firing code bounds the nesting of firings with it.
     */
    int level();
}
