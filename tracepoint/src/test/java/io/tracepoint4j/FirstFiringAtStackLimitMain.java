package io.tracepoint4j;

/**
 * Run by {@link StackOverflowTest} in a fresh JVM: a thread overflows its stack and, in the
 * deepest 200 frames on the way back up, fires a tracepoint of the flavor named by {@code args[0]} whose probe
 * throws, so the JVM's first firing and first probe failure (with its log record) land close to the
 * stack limit, where the classes they use are loaded and initialized. Then, with the whole stack, a
 * firing must still call the probe, count its failure and log it (run with
 * -Dtracepoint4j.failureLogIntervalMillis=0, so that every failure is logged). With {@code args[1]}
 * {@code other-flavor-first}, a tracepoint of the other flavor fires with a probe before the dive:
 * the method handles of the firing path are then linked, and what is left to happen near the
 * limit is this flavor's own set-up, which its first registration must have done. Prints {@code OK}
 * and exits 0 on success; JDK only, no test libraries on its class path.
 */
public final class FirstFiringAtStackLimitMain {
    /** The prototype used here. */
    public interface Op {
        void op(int n);
    }

    private static Tracepoint<Op> tp;
    private static long calls;
    private static final int DEEP_FIRINGS = 200;
    private static int deepFirings;

    private FirstFiringAtStackLimitMain() {}

    public static void main(String[] args) throws Exception {
        Tracepoint.Builder<Op> builder =
                Tracepoint.builder("first:fire", Op.class).arguments("n");
        tp = (args[0].equals("FAULTABLE") ? builder.faultable() : builder).define();
        Op probe = new Op() {
            @Override
            public void op(int n) {
                calls++;
                // no string concatenation here: its first linkage near the stack limit would break
                // every later concatenation of the JVM (the JDK's own class-initialization failure)
                throw new IllegalStateException(n < 0 ? "probe failure at the top" : "probe failure deep down");
            }
        };
        tp.register(probe);
        if (args.length > 1 && args[1].equals("other-flavor-first")) {
            Tracepoint.Builder<Op> other =
                    Tracepoint.builder("first:other", Op.class).arguments("n");
            Tracepoint<Op> otherFlavor = (args[0].equals("FAULTABLE") ? other : other.faultable()).define();
            Op nothing = n -> {};
            otherFlavor.register(nothing);
            otherFlavor.fire().op(0);
            otherFlavor.unregister(nothing);
        }
        Thread diver = new Thread(null, FirstFiringAtStackLimitMain::dive, "diver", 512 * 1024);
        diver.start();
        diver.join();
        long before = calls;
        long failures = tp.failures(probe);
        System.out.println("firings near the stack limit: " + before + ", failures counted: " + failures);
        tp.fire().op(-1); // with the whole stack: the failure is counted and logged ("probe ... threw")
        require(calls == before + 1, "the probe was not called");
        require(tp.failures(probe) == failures + 1, "the failure was not counted");
        FailureReports.awaitReported(); // the failure reports are logged on a thread of their own
        tp.unregister(probe);
        Tracepoints.synchronizeUnregister();
        System.out.println("OK");
    }

    private static void dive() {
        try {
            dive();
        } catch (Throwable t) {
            // deep down the stack: the first firing of the JVM happens here, at the deepest frame
        }
        if (deepFirings < DEEP_FIRINGS) { // the deepest frames only: the output stays short
            deepFirings++;
            tp.fire().op(1); // never throws
        }
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            System.out.println("FAILED: " + what);
            System.exit(1);
        }
    }
}
