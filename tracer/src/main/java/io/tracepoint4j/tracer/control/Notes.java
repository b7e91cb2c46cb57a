package io.tracepoint4j.tracer.control;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the work a tool started in the target (its session, counters or histogram) has to tell
 * the tool, one line each: a tracepoint defined later that its filter does not fit, a probe a
 * tracepoint refused, a trace that cannot be written. Kept until the tool asks ({@code notes}),
 * instead of printed on the target's console, which the tool never prints on. At most {@link
 * #MAX} wait; beyond them the tool is told how many were dropped. Thread-safe: notes come from
 * defining threads, the drain and shutdown hooks, and are taken by the connection's thread.
 */
final class Notes implements Consumer<String> {
    static final int MAX = 100;

    private final ArrayDeque<String> pending = new ArrayDeque<>();
    /** Notes dropped since the last take(), past MAX. */
    private long dropped;

    @Override
    public synchronized void accept(String note) {
        if (pending.size() < MAX) {
            pending.add(note);
        } else {
            dropped++;
        }
    }

    /** The notes waiting, oldest first, and then how many were dropped, if any; none wait after it. */
    synchronized List<String> take() {
        List<String> taken = new ArrayList<>(pending);
        pending.clear();
        if (dropped > 0) {
            taken.add(dropped + " more note" + (dropped == 1 ? " was" : "s were") + " dropped (at most " + MAX
                    + " wait for the tool)");
            dropped = 0;
        }
        return taken;
    }
}
