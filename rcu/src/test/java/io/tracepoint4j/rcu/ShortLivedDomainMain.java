package io.tracepoint4j.rcu;

/**
 * Run by {@link ReadSideBarrierTest} in a forked JVM: creates a domain (its read side is set up on
 * the library's set-up thread), reads, waits for a grace period and returns at once, as a short
 * program does. JDK only, no test libraries on its class path.
 */
public final class ShortLivedDomainMain {

    private ShortLivedDomainMain() {}

    public static void main(String[] args) {
        Srcu domain = Srcu.create("short-lived");
        int token = domain.readLock();
        domain.readUnlock(token);
        domain.synchronize();
        System.out.println("done");
    }
}
