package io.tracepoint4j.rcu;

import io.tracepoint4j.rcu.internal.LibraryThreads;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Validation and defaults shared by every domain's builder. */
final class DomainSettings {
    /** Where callback tasks run by default: a cached pool of daemon threads, shared by every domain. */
    static final ExecutorService CALLBACK_THREADS = new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            5,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            LibraryThreads.factory("tracepoint4j-callbacks-"));

    /** System property giving the default stall timeout in milliseconds. */
    static final String STALL_TIMEOUT_PROPERTY = "tracepoint4j.rcu.stallTimeoutMillis";

    /**
     * System property: when the membarriers of three grace periods in a row (each within 50 ms of
     * the last) each take longer than this many microseconds, the domain's readers fence their own
     * entries while grace periods keep coming, so that grace periods need no membarrier; negative:
     * never. See AdaptiveReaderFences, [RF].
     */
    static final String READER_FENCE_PROPERTY = "tracepoint4j.rcu.readerFenceAfterMicros";

    private static final long DEFAULT_STALL_TIMEOUT_MILLIS = 10_000;
    private static final long DEFAULT_READER_FENCE_AFTER_MICROS = 20;

    /**
     * Grace periods further apart than this do not count as in a row, and readers that fence stop
     * once grace periods have been idle this long (AdaptiveReaderFences).
     */
    static final long DEFAULT_READER_FENCE_IDLE_NANOS = 50_000_000L;

    private static final int MAX_NAME_LENGTH = 200;

    private DomainSettings() {}

    static String checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a domain needs a non-blank name, was " + quoted(name));
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException(
                    "a domain name has at most " + MAX_NAME_LENGTH + " characters, was " + name.length());
        }
        if (hasControlCharacter(name)) {
            throw new IllegalArgumentException("a domain name may not contain control characters: " + quoted(name));
        }
        return name;
    }

    private static boolean hasControlCharacter(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    static Duration defaultStallTimeout() {
        String value = System.getProperty(STALL_TIMEOUT_PROPERTY);
        if (value == null) {
            return Duration.ofMillis(DEFAULT_STALL_TIMEOUT_MILLIS);
        }
        try {
            long millis = Long.parseLong(value.trim());
            if (millis > 0) {
                return Duration.ofMillis(millis);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "-D" + STALL_TIMEOUT_PROPERTY + " must be a positive number of milliseconds, was " + quoted(value));
    }

    static long defaultReaderFenceAfterNanos() {
        String value = System.getProperty(READER_FENCE_PROPERTY);
        if (value == null) {
            return TimeUnit.MICROSECONDS.toNanos(DEFAULT_READER_FENCE_AFTER_MICROS);
        }
        try {
            long micros = Long.parseLong(value.trim());
            return micros < 0 ? -1 : TimeUnit.MICROSECONDS.toNanos(micros);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "-D" + READER_FENCE_PROPERTY + " must be a number of microseconds (negative: never), was "
                            + quoted(value),
                    e);
        }
    }

    private static String quoted(String s) {
        return s == null ? "null" : '"' + s + '"';
    }
}
