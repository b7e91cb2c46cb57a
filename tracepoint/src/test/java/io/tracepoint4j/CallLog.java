package io.tracepoint4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What callbacks (registry listeners, lifecycle hooks) did on the calling thread during one Lincheck
 * operation. Listeners and hooks run on the thread whose call tells them, before that call returns,
 * so an operation can return its own entries as part of its result: they then belong to its
 * linearization point, and the sequential specification predicts them.
 */
final class CallLog {

    private final ThreadLocal<List<String>> entries = ThreadLocal.withInitial(ArrayList::new);

    /** Called by a listener or hook. */
    void record(String entry) {
        entries.get().add(entry);
    }

    /** The entries recorded on this thread since the last call, sorted (a multiset); starts afresh. */
    List<String> take() {
        List<String> taken = entries.get();
        entries.remove();
        Collections.sort(taken);
        return taken;
    }
}
