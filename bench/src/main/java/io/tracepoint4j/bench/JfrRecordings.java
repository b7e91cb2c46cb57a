package io.tracepoint4j.bench;

import jdk.jfr.Recording;

/**
 * The JFR recording of the benchmarks that compare against JFR: to disk, as a session writes its
 * trace, so that each side pays for a background thread that writes out what the firing threads
 * record; its chunks go to JFR's repository (under {@code java.io.tmpdir}, removed when the
 * recording closes).
 */
final class JfrRecordings {
    /** The most bytes of chunks a recording keeps on disk. */
    static final long MAX_SIZE = 256L << 20;

    private JfrRecordings() {}

    /**
     * Starts a recording named {@code name} with the JFR events {@code eventNames} enabled without
     * stack trace and with threshold 0, to disk, at most {@link #MAX_SIZE} bytes kept.
     */
    static Recording toDisk(String name, String... eventNames) {
        Recording recording = new Recording();
        recording.setName(name);
        for (String event : eventNames) {
            recording.enable(event).withoutStackTrace().withoutThreshold();
        }
        recording.setToDisk(true);
        recording.setMaxSize(MAX_SIZE);
        recording.start();
        return recording;
    }
}
