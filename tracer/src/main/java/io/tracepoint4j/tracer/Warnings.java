package io.tracepoint4j.tracer;

import java.util.function.Consumer;

/**
 * Where a session's warnings go: to the consumer its builder was given ({@link
 * Session.Builder#warnings}), else to the tracer's logger ({@link Log}). A session the {@code tp}
 * tool starts in a running JVM gives one that hands them to the tool, which prints them: nothing
 * is printed in the target.
 */
final class Warnings {
    /*
     * Design note.
     *
     * At the JVM's exit the logger may be closed already: java.util.logging's LogManager resets its
     *   handlers in a shutdown hook of its own, which runs beside the session's, and a message
     *   logged after that is lost. The session's exit hook calls exiting() first; from then on a
     *   message without a consumer goes to System.err.
     *
     * Memory ordering
     *   [EX] exiting: volatile; set by the exit hook, read by say() on any thread. It orders nothing
     *        else.
     */

    /** Null: the tracer's logger. */
    private final Consumer<String> to;

    private volatile boolean exiting; // [EX]

    Warnings(Consumer<String> to) {
        this.to = to;
    }

    /** The JVM exits: from now on, messages without a consumer go to System.err (see the design note). */
    void exiting() {
        exiting = true; // [EX]
    }

    /** Says {@code message}; {@code cause}, if any, goes with it to the logger only. Never throws. */
    void say(String message, Throwable cause) {
        if (to != null) {
            try {
                to.accept(message);
                return;
            } catch (RuntimeException e) {
                // the consumer failed: the logger says it rather than nothing
            }
        }
        if (exiting) { // [EX]
            System.err.println("WARNING: " + message + (cause == null ? "" : " (" + cause + ")"));
            return;
        }
        Log.get().log(System.Logger.Level.WARNING, message, cause);
    }
}
