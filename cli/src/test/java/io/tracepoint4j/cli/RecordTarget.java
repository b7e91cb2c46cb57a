package io.tracepoint4j.cli;

import io.tracepoint4j.Tracepoint;

/**
 * A JVM for RecordCommandTest to record: fires {@code rt:request} about every 100 us, alternating
 * the route "/even" and "/odd", until its stdin closes (at most 120 s). Prints "ready" and nothing
 * else.
 */
public final class RecordTarget {
    /** The prototype. */
    public interface Request {
        void request(long id, String route);
    }

    private RecordTarget() {}

    public static void main(String[] args) throws Exception {
        Tracepoint<Request> request = Tracepoint.define("rt:request", Request.class, "id", "route");
        Thread firing = Thread.ofPlatform().daemon().name("firing").start(() -> {
            for (long id = 0; ; id++) {
                request.fire().request(id, (id & 1) == 0 ? "/even" : "/odd");
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        });
        System.out.println("ready " + firing.getName());
        System.out.flush();
        long end = System.nanoTime() + 120_000_000_000L;
        while (System.in.read() >= 0 && System.nanoTime() < end) {
            // until the test closes our stdin
        }
    }
}
