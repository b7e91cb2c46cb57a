package io.tracepoint4j.rcu.internal;

import io.tracepoint4j.rcu.RcuDomain;

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
 * frame already unwound, and ends it here, where the stack is shallower. The outermost section has
 * no enclosing one to end it: its firing marks it abandoned ({@link OutermostSection}), and the
 * thread's next firing, whose section opens above it, ends them with {@link #restartIfAbandoned()}.
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

    /**
     * The section a tracepoint firing that opened this one above the outermost level goes on
     * with: this one, unless the thread's outermost section of the domain is marked abandoned
     * ({@link OutermostSection#abandoned}). Then every section of the thread, this one included,
     * belongs to a frame already unwound: they are ended, the mark is cleared, and a new outermost
     * section is opened and returned. Either the new section is returned, or this throws; then
     * the sections still open and the mark are left for the next call (each section ends or stays
     * open, the engine's [E]), and this one may already be ended: do not close it.
     *
     * @throws IllegalStateException as {@link #closeWithInner()}, or if the domain is closed
     */
    RcuDomain.ReadSection restartIfAbandoned();
}
