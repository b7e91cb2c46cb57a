package io.tracepoint4j.cli;

import io.tracepoint4j.Tracepoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A JVM for AttachLeakTest: fires {@code lk:tick} about every 100 us and, for each line "stats" on
 * its stdin, prints its threads, open files, heap used after a GC and the probes on its
 * tracepoint, so that the test can compare them across attach/detach cycles. Ends when stdin
 * closes.
 */
public final class LeakTarget {
    /** The prototype. */
    public interface Tick {
        void tick(long n);
    }

    private LeakTarget() {}

    public static void main(String[] args) throws Exception {
        Tracepoint<Tick> tick = Tracepoint.define("lk:tick", Tick.class, "n");
        Thread.ofPlatform().daemon().name("ticking").start(() -> {
            for (long n = 0; ; n++) {
                tick.fire().tick(n);
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        });
        System.out.println("ready");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long files;
            try (var fds = Files.list(Path.of("/proc/self/fd"))) {
                files = fds.count();
            }
            System.out.println("threads=" + Thread.getAllStackTraces().size() + " files=" + files + " heap=" + heap
                    + " probes=" + tick.probeCount());
            System.out.flush();
        }
    }
}
