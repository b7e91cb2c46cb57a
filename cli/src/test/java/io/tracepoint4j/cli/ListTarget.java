package io.tracepoint4j.cli;

import io.tracepoint4j.Tracepoint;

/**
 * A JVM for ListCommandTest to attach to: defines two tracepoints, attaches a probe to one, prints
 * "ready" and waits until its stdin closes (at most 60 s). It prints nothing else, so anything more
 * on its output came from attaching.
 */
public final class ListTarget {
    /** A regular tracepoint's prototype. */
    public interface Alpha {
        void alpha(long id, String name);
    }

    /** A faultable tracepoint's prototype. */
    public interface Beta {
        void beta(int n);
    }

    private ListTarget() {}

    public static void main(String[] args) throws Exception {
        Tracepoint<Alpha> alpha = Tracepoint.define("lt:alpha", Alpha.class, "id", "name");
        Tracepoint.defineFaultable("lt:beta", Beta.class, "n");
        alpha.register((id, name) -> {});
        System.out.println("ready");
        System.out.flush();
        long end = System.nanoTime() + 60_000_000_000L;
        while (System.in.read() >= 0 && System.nanoTime() < end) {
            // until the test closes our stdin
        }
    }
}
