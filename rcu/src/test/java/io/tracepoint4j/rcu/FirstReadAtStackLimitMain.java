package io.tracepoint4j.rcu;

/**
 * Run by {@link StackOverflowTest} in a fresh JVM, where no read-side section was ever opened:
 * a thread overflows its stack and, in every frame on the way back up, opens and closes a section
 * of a domain of the flavor named by {@code args[0]}, so the JVM's first read() lands close to the
 * stack limit (where the classes of the read side are loaded and initialized). With {@code
 * args[1]} {@code created-while-diving}, the thread is already at its deepest frame when the
 * domain is created, and reads the moment the constructor returns: while the read side's set-up
 * (ReadSideSetup) has only just begun on its own thread. Then a thread with its whole stack opens
 * and closes a section and a grace period completes. Prints {@code OK} and exits 0 on success; JDK
 * only, no test libraries on its class path.
 */
@SuppressWarnings("try")
public final class FirstReadAtStackLimitMain {
    private static volatile RcuDomain domain;
    private static int failedReads;
    /** Set by the diver at its deepest frame when the domain is created while it dives. */
    private static volatile boolean atTheBottom;

    private FirstReadAtStackLimitMain() {}

    public static void main(String[] args) throws Exception {
        boolean createdWhileDiving = args.length > 1 && args[1].equals("created-while-diving");
        if (!createdWhileDiving) {
            domain = create(args[0]);
        }
        Thread diver = new Thread(null, FirstReadAtStackLimitMain::dive, "diver", 512 * 1024);
        diver.start();
        if (createdWhileDiving) {
            while (!atTheBottom) {
                Thread.onSpinWait();
            }
            domain = create(args[0]); // the diver reads as soon as it sees it
        }
        diver.join();
        System.out.println("reads that failed near the stack limit: " + failedReads);
        try (var section = domain.read()) {
            // with the whole stack: must work, whatever happened near the limit
        }
        domain.synchronize();
        domain.close();
        System.out.println("OK");
    }

    private static RcuDomain create(String flavor) {
        return flavor.equals("SRCU") ? Srcu.create("first-read-srcu") : ClassicRcu.create("first-read-classic");
    }

    private static void dive() {
        try {
            dive();
        } catch (Throwable t) {
            // deep down the stack: the first read() of the JVM happens here, at the deepest frame;
            // waiting for the domain calls no method (a call would overflow again)
            atTheBottom = true;
            while (domain == null) {
                // spin
            }
        }
        try (var section = domain.read()) {
            // nothing
        } catch (Throwable t) {
            failedReads++;
        }
    }
}
