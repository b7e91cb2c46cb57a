package io.tracepoint4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Run by {@link DefineStartsNothingTest} in a fresh JVM: defining tracepoints of both flavors, on
 * every instrumented application's start-up path, creates no RCU domain and starts no thread (the
 * read side's set-up runs on one); the first registration of a flavor creates its domain, and its
 * probe is called.
 * Prints {@code OK} and exits 0 on success; JDK only, no test libraries on its class path.
 */
public final class DefineStartsNothingMain {
    /** The prototype used here. */
    public interface Op {
        void op(int n);
    }

    private DefineStartsNothingMain() {}

    public static void main(String[] args) {
        List<String> before = libraryThreads();
        Tracepoint<Op> regular = Tracepoint.define("nothing:regular", Op.class, "n");
        Tracepoint<Op> faultable = Tracepoint.defineFaultable("nothing:faultable", Op.class, "n");
        regular.fire().op(1);
        faultable.fire().op(1);
        List<String> afterDefines = libraryThreads();
        require(afterDefines.equals(before), "defining started threads: " + afterDefines + ", before: " + before);
        System.out.println("threads after defining: " + afterDefines);

        int[] calls = new int[1];
        Op probe = n -> calls[0] += n;
        regular.register(probe); // creates the regular domain, waits for the read side's set-up
        regular.fire().op(2);
        require(calls[0] == 2, "the probe was not called");
        regular.unregister(probe);
        regular.synchronizeUnregister();
        System.out.println("OK");
    }

    /** The names of the live threads of tracepoint4j (its own, and the rcu module's). */
    private static List<String> libraryThreads() {
        List<String> names = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("tracepoint4j")) {
                names.add(thread.getName());
            }
        }
        names.sort(null);
        return names;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
