package io.tracepoint4j;

import io.tracepoint4j.control.StartGate;
import java.util.concurrent.TimeUnit;

/**
 * For StartGateTest, in a JVM of its own (the gate decides once per JVM): defines a tracepoint,
 * then prints how long the define took and whether the JVM's parent process still runs, as
 * {@code waited MILLIS ms, parent running|gone}. With an argument, a thread opens the gate that
 * many milliseconds after the start, as the tool's {@code go} does.
 */
public final class StartGateMain {
    /** The prototype. */
    public interface Ping {
        void ping(int n);
    }

    private StartGateMain() {}

    public static void main(String[] args) throws InterruptedException {
        ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
        if (args.length > 0) {
            long openAfterMillis = Long.parseLong(args[0]);
            Thread opener = new Thread(new Runnable() {
                @Override
                public void run() {
                    try {
                        Thread.sleep(openAfterMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                    StartGate.open();
                }
            });
            opener.setDaemon(true);
            opener.start();
        }
        long start = System.nanoTime();
        Tracepoint.define("gate:first", Ping.class, "n");
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long again = System.nanoTime();
        Tracepoint.define("gate:second", Ping.class, "n");
        long second = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - again);
        System.out.println("waited " + waited + " ms, parent " + (parent.isAlive() ? "running" : "gone")
                + ", second define " + second + " ms");
    }
}
