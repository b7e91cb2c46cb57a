package io.tracepoint4j.rcu.internal;

/**
 * What read() returns for a thread's outermost section of a domain (the thread's reader itself),
 * with the mark the tracepoint firing code sets when that section is abandoned. Shared with the
 * tracepoint module (the package is exported to it only); not part of the user's API.
 *
 * <p>Why a public field: a firing whose own close() ran out of stack (StackOverflowError) at the
 * outermost level leaves its section open, and its frame is about to go. Its catch block must say
 * so without a call: near the stack limit every call checks the stack and throws again, while a
 * field store cannot fail. The thread's next firing then finds its section above an abandoned
 * one and starts over ({@link UnwindingSection#restartIfAbandoned()}), where the stack is
 * shallower. Set, read and cleared by the reader's own thread only (stall reports read it racily).
 */
public abstract class OutermostSection {
    /** The package whose types the generated firing code names: this one. */
    private static final String PACKAGE = OutermostSection.class.getPackageName();

    /**
     * Whether the section is abandoned: left open by a close() that threw, with no frame left to
     * end it. Set by the tracepoint firing code's catch block; cleared by restartIfAbandoned().
     * Sound only because a close that throws has changed nothing (the readers' [E]: its exit store
     * is its last step and cannot fail): were a close to throw after ending the section, the mark
     * would stay on a section already ended, and a later firing would end a live enclosing one.
     * Keep [E] when changing a reader's close.
     */
    public boolean abandoned;

    /** For the readers of this module only. */
    protected OutermostSection() {}

    /**
     * Exports this package to {@code module}, where the tracepoint module defines a firing class
     * that names this class (a prototype in a class loader below tracepoint4j's, in another
     * module): the package is exported to the tracepoint module only. Nothing to do when this
     * module is unnamed (the class path), whose packages every module reads. The plugin's module
     * then sees the whole package (rcu's internals, public types only); it is not an API for it.
     */
    public static void exportTo(Module module) {
        Module ours = OutermostSection.class.getModule();
        if (ours.isNamed() && !ours.isExported(PACKAGE, module)) {
            ours.addExports(PACKAGE, module);
        }
    }
}
