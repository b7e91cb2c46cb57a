package io.tracepoint4j.examples;

import io.tracepoint4j.rcu.Srcu;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Two SRCU domains are independent: a reader blocked inside a read-side critical section of domain
 * {@code a} delays grace periods of {@code a} only; {@code synchronize()} on domain {@code b} returns
 * at once. Run alone with {@code java -cp examples/target/tracepoint4j-examples.jar
 * io.tracepoint4j.examples.IndependentDomains}.
 */
public final class IndependentDomains {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private IndependentDomains() {}

    /** Runs the example and exits non-zero if a domain waited for the other's reader. */
    public static void main(String[] args) throws Exception {
        List<String> failures = run(System.out);
        failures.forEach(f -> System.out.println("FAILED: " + f));
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    /** Runs the example, printing what happens; returns the failures (empty when all went well). */
    static List<String> run(PrintStream out) throws InterruptedException {
        try (Srcu a = Srcu.create("a");
                Srcu b = Srcu.create("b")) {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread reader = Thread.ofVirtual().name("a-blocked-reader").start(() -> {
                try (var _ = a.read()) {
                    entered.countDown();
                    release.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                entered.await();
                out.println("  a virtual thread blocks inside a read-side critical section of SRCU domain \"a\"");
                List<String> failures = new ArrayList<>();
                whileReaderBlocks(a, b, out, failures);

                long start = System.nanoTime();
                long cookie = a.startPoll();
                release.countDown();
                reader.join();
                a.synchronize();
                boolean done = a.pollState(cookie);
                out.println("  the reader of \"a\" ended; synchronize() on \"a\" returned "
                        + millis(System.nanoTime() - start) + " later; pollState = " + done);
                if (!done) {
                    failures.add("pollState on domain \"a\" was still false after a synchronize() that began"
                            + " after the cookie was taken");
                }
                a.barrier();
                b.barrier();
                return failures;
            } finally {
                release.countDown();
                reader.join();
            }
        }
    }

    private static void whileReaderBlocks(Srcu a, Srcu b, PrintStream out, List<String> failures)
            throws InterruptedException {
        long start = System.nanoTime();
        CompletableFuture<Void> syncB = CompletableFuture.runAsync(b::synchronize);
        try {
            syncB.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            out.println("  synchronize() on domain \"b\" returned in " + millis(System.nanoTime() - start)
                    + ", not delayed by \"a\"'s reader");
        } catch (TimeoutException e) {
            failures.add("synchronize() on domain \"b\" waited " + TIMEOUT.toSeconds()
                    + " s for a reader of domain \"a\": the domains are not independent");
            return;
        } catch (ExecutionException e) {
            failures.add("synchronize() on domain \"b\" threw " + e.getCause());
            return;
        }

        long cookie = a.startPoll();
        Thread.sleep(20);
        boolean early = a.pollState(cookie);
        out.println(
                "  domain \"a\": a startPoll() cookie taken while its reader blocks; 20 ms later pollState = " + early);
        if (early) {
            failures.add("domain \"a\" completed a polled grace period while a reader older than the cookie was"
                    + " still inside its read-side critical section");
        }
    }

    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }
}
