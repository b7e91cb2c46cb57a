package io.tracepoint4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CPU time that threads other than the benchmark's own spent during an iteration: on two
 * cores, what a background thread (a session's drain, JFR's recorder) burns is taken from the
 * firing threads at two threads, which bounds the scaling a benchmark can show. {@link #start()}
 * at the iteration's start, {@link #report(String)} at its end prints one line per thread that
 * used at least 1% of a core, as a share of one core over the iteration's wall time.
 */
final class BackgroundCpu {
    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final double MIN_SHARE = 0.01;

    private Map<Long, Long> before = Map.of();
    private long startNanos;

    void start() {
        before = cpuTimes();
        startNanos = System.nanoTime();
    }

    /** Prints, after {@code prefix}, the share of a core each background thread used since start(). */
    void report(String prefix) {
        long wall = System.nanoTime() - startNanos;
        Map<Long, Long> after = cpuTimes();
        List<String> lines = new ArrayList<>();
        double total = 0;
        for (Map.Entry<Long, Long> entry : after.entrySet()) {
            long used = entry.getValue() - before.getOrDefault(entry.getKey(), 0L);
            ThreadInfo info = THREADS.getThreadInfo(entry.getKey());
            if (info == null || info.getThreadName().contains("jmh-worker")) {
                continue; // ended meanwhile, or a firing thread
            }
            double share = (double) used / wall;
            if (share >= MIN_SHARE) {
                total += share;
                lines.add(String.format("%s %.0f%%", info.getThreadName(), 100 * share));
            }
        }
        System.out.println(prefix + "background threads used " + String.format("%.0f%%", 100 * total) + " of a core ("
                + String.join(", ", lines) + ")");
    }

    private static Map<Long, Long> cpuTimes() {
        Map<Long, Long> times = new HashMap<>();
        for (long id : THREADS.getAllThreadIds()) {
            long time = THREADS.getThreadCpuTime(id);
            if (time >= 0) {
                times.put(id, time);
            }
        }
        return times;
    }
}
