package io.tracepoint4j.tracer;

import java.util.function.Consumer;

/**
 * Where a session's warnings go: to the consumer its builder was given ({@link
 * Session.Builder#warnings}), else to the tracer's logger ({@link Log}). A session the {@code tp}
 * tool starts in a running JVM gives one that hands them to the tool, which prints them: nothing
 * is printed in the target.
 */
final class Warnings {
    /** Null: the tracer's logger. */
    private final Consumer<String> to;

    Warnings(Consumer<String> to) {
        this.to = to;
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
        Log.get().log(System.Logger.Level.WARNING, message, cause);
    }
}
