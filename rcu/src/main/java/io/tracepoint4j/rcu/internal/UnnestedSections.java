package io.tracepoint4j.rcu.internal;

/**
 * What an SRCU domain also is for a user that never nests its {@code readLock()} sections on a
 * thread, as the tracer's session domains are used: a section opened at a level above 1 then sits
 * above sections whose frames are gone, abandoned by code that threw (StackOverflowError) between
 * its lock and its unlock. Shared with the tracer module (the package is exported to the modules
 * above only); not part of the user's API.
 *
 * <p>Why: near the stack limit every call checks the stack and may throw, the unlock's too, and a
 * frame that could not end its section leaves it to nobody: every later grace period of the domain
 * waits for it. The thread's next section finds it by its level ({@link #outermost(int)}), for
 * free, and ends it with {@link #restart(int)}, where the stack is shallower.
 */
public interface UnnestedSections {
    /** Where a readLock() token keeps its section's level: 1 for the thread's outermost section. */
    int LEVEL_SHIFT = 2;
    /** The highest level a section may have, and the mask of the level's bits once shifted down. */
    int MAX_LEVEL = (1 << 14) - 1;

    /**
     * Whether the section {@code token} (a readLock() token of an SRCU domain) opened is the
     * thread's outermost of that domain: if not, it sits on sections abandoned by frames that
     * unwound, for a user that never nests them. Static, so that the writers' check costs a mask
     * and a compare.
     */
    static boolean outermost(int token) {
        return ((token >>> LEVEL_SHIFT) & MAX_LEVEL) == 1;
    }

    /**
     * Ends every section of the calling thread in this domain, innermost first, {@code token}'s
     * (the innermost) among them, then opens a new outermost one and returns its token. Either
     * the new token is returned, or this throws with each section ended or still open (the
     * engine's [E]), to be ended by a later call; {@code token} may be ended then: do not unlock it.
     *
     * @throws IllegalStateException if {@code token} is not the calling thread's innermost
     *     section, or a section of the thread was opened by read() (nested use); nothing is changed
     *     then. A downRead() section is no section of the thread's and is left as it is.
     */
    int restart(int token);
}
