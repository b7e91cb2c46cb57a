package io.tracepoint4j.examples;

import io.tracepoint4j.examples.PublishRetireRun.ReaderSpec;
import io.tracepoint4j.examples.PublishRetireRun.Report;
import io.tracepoint4j.examples.PublishRetireRun.SectionStyle;
import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.ReadSideBarrier;
import io.tracepoint4j.rcu.Srcu;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code ./tp demo rcu}: a short run of the grace-period engine. Readers read a published object inside
 * read-side critical sections while an updater replaces it and retires the old one after a grace
 * period; the demo prints what happened and exits non-zero if any reader ever held a retired object.
 *
 * <p>Usage: {@code java --enable-native-access=ALL-UNNAMED -jar tracepoint4j-examples.jar rcu
 * [--run-millis N]}, where N is how long each of the two reader/updater runs lasts (default 1000).
 */
public final class GracePeriodDemo {

    private static final Duration DEFAULT_RUN = Duration.ofMillis(1000);
    private static final int BARRIER_CALLBACKS = 10_000;

    private final PrintStream out;
    private final Duration runTime;
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final List<Report> reports = new ArrayList<>();
    private long extraCallbacks;

    private GracePeriodDemo(PrintStream out, Duration runTime) {
        this.out = out;
        this.runTime = runTime;
    }

    /** Runs the demo; exit status 0 when every check held, 1 otherwise, 2 on bad arguments. */
    public static void main(String[] args) throws Exception {
        Duration runTime = DEFAULT_RUN;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-h", "--help" -> {
                    System.out.println("Usage: tp demo rcu [--run-millis N] (N: milliseconds for each reader/updater"
                            + " run, default " + DEFAULT_RUN.toMillis() + ")");
                    return;
                }
                case "--run-millis" -> runTime = Duration.ofMillis(Demo.whole(args, i++, 999_999, "milliseconds"));
                default -> throw Demo.usageError("unknown argument '" + args[i] + "' of demo rcu");
            }
        }
        List<String> failures = run(System.out, runTime);
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    /** Runs the whole demo, printing to {@code out}; returns the failures, empty when all went well. */
    static List<String> run(PrintStream out, Duration runTime) throws InterruptedException {
        GracePeriodDemo demo = new GracePeriodDemo(out, runTime);
        demo.runAll();
        List<String> failures = List.copyOf(demo.failures);
        if (failures.isEmpty()) {
            out.println("OK: no reader ever saw a retired object; every grace period, callback and poll behaved.");
        } else {
            failures.forEach(f -> out.println("FAILED: " + f));
        }
        return failures;
    }

    private void runAll() throws InterruptedException {
        out.println("tracepoint4j demo: readers, updaters and deferred callbacks on RCU grace periods");
        out.println("Java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
        out.println("read-side barrier: " + ReadSideBarrier.current() + " (" + ReadSideBarrier.reason() + ")");
        out.println();

        Srcu config = Srcu.create("config");
        out.println("SRCU domain \"config\": 4 readers (2 platform threads, 2 virtual threads; one of each"
                + " sleeps 1 ms in every 16th section) and 1 updater, for " + runTime.toMillis() + " ms");
        Report srcu = new PublishRetireRun(
                        config,
                        List.of(
                                new ReaderSpec("config-reader-1", false, 0, SectionStyle.TRY_WITH_RESOURCES),
                                new ReaderSpec("config-reader-2", false, 16, SectionStyle.SRCU_TOKEN),
                                new ReaderSpec("config-vreader-1", true, 16, SectionStyle.TRY_WITH_RESOURCES),
                                new ReaderSpec("config-vreader-2", true, 0, SectionStyle.SRCU_TOKEN)),
                        failures)
                .run(runTime);
        print(srcu);
        out.println();

        out.println("Polled grace periods and a hand-off section on \"config\":");
        polling(config);
        out.println();

        out.println("barrier() on \"config\":");
        barrier(config);
        out.println();

        ClassicRcu routes = ClassicRcu.create("routes");
        out.println("Classic RCU domain \"routes\": 2 non-blocking readers (platform threads) and 1 updater, for "
                + runTime.toMillis() + " ms");
        Report classic = new PublishRetireRun(
                        routes,
                        List.of(
                                new ReaderSpec("routes-reader-1", false, 0, SectionStyle.TRY_WITH_RESOURCES),
                                new ReaderSpec("routes-reader-2", false, 0, SectionStyle.CLASSIC_LOCK)),
                        failures)
                .run(runTime);
        print(classic);
        out.println();

        out.println("Two independent SRCU domains:");
        failures.addAll(IndependentDomains.run(out));
        out.println();
        if (TracepointExample.run(out) != 10) {
            failures.add(
                    "the tracepoint example's probe did not count the 10 server errors fired while it was attached");
        }
        out.println();

        out.println("Misuse is refused, not a hang:");
        misuse(config);
        out.println();

        long gracePeriods = config.completedGracePeriods() + routes.completedGracePeriods();
        close(config);
        close(routes);
        summary(gracePeriods);
    }

    private void print(Report r) {
        out.println("  reads          " + n(r.reads()) + " read-side critical sections; "
                + n(r.sectionsHoldingRetired()) + " of them held a retired config");
        out.println("  updates        " + n(r.updates()) + ": old config retired after synchronize() "
                + n(r.bySynchronize())
                + ", after synchronizeExpedited() " + n(r.byExpedited()) + ", by a call() callback "
                + n(r.byCall()));
        // With one updater, grace periods are shared only when requests queue up (call() callbacks
        // batched into one grace period, or a synchronize() that found one in flight): say so only then.
        out.println("  grace periods  " + n(r.gracePeriods()) + " completed"
                + (r.gracePeriods() < r.updates()
                        ? " for " + n(r.updates()) + " updates: requests made while one was pending shared it"
                        : ""));
        out.println("  callbacks      " + n(r.byCall()) + " queued, " + n(r.callbacksRun()) + " run; barrier() waited "
                + IndependentDomains.millis(r.barrierNanos()) + " for the last ones");
        out.println("  latency        synchronize() max " + IndependentDomains.millis(r.maxSynchronizeNanos())
                + ", synchronizeExpedited() max " + IndependentDomains.millis(r.maxExpeditedNanos()));
        reports.add(r);
        if (r.callbacksRun() != r.byCall()) {
            failures.add("domain \"" + r.domain() + "\": barrier() returned with " + n(r.callbacksRun()) + " of "
                    + n(r.byCall()) + " callbacks run");
        }
    }

    private void polling(Srcu domain) throws InterruptedException {
        int token = domain.downRead();
        long cookie = domain.startPoll();
        Thread.sleep(20);
        boolean early = domain.pollState(cookie);
        out.println("  downRead() on \"" + Thread.currentThread().getName() + "\" opened a section; startPoll()"
                + " gave a cookie; 20 ms later pollState = " + early + " (the section is still open)");
        if (early) {
            failures.add("domain \"config\": pollState turned true while a section older than the cookie was open");
        }

        AtomicReference<String> ender = new AtomicReference<>();
        Thread.ofVirtual()
                .name("config-hand-off")
                .start(() -> {
                    domain.upRead(token);
                    ender.set(Thread.currentThread().getName());
                })
                .join();
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(5).toNanos();
        while (!domain.pollState(cookie) && System.nanoTime() < deadline) {
            Thread.sleep(0, 100_000);
        }
        boolean done = domain.pollState(cookie);
        out.println("  upRead() on \"" + ender.get() + "\" ended it; "
                + (done
                        ? "pollState turned true " + IndependentDomains.millis(System.nanoTime() - start)
                                + " later, without anyone calling synchronize()"
                        : "pollState was still false when the 5 s deadline passed (timed out)"));
        if (!done) {
            failures.add("domain \"config\": a startPoll() cookie did not complete by itself within 5 s");
        }

        long passive = domain.state();
        boolean before = domain.pollState(passive);
        domain.synchronize();
        boolean after = domain.pollState(passive);
        out.println("  state() gave a cookie without starting a grace period: pollState = " + before
                + "; after a synchronize(): " + after);
        if (!after) {
            failures.add("domain \"config\": a state() cookie still polled false after a later synchronize()");
        }
    }

    private void barrier(Srcu domain) throws InterruptedException {
        AtomicLong ran = new AtomicLong();
        AtomicReference<String> callbackThread = new AtomicReference<>();
        Thread caller = Thread.currentThread();
        long gracePeriodsBefore = domain.completedGracePeriods();
        long start = System.nanoTime();
        for (int i = 0; i < BARRIER_CALLBACKS; i++) {
            domain.call(() -> {
                if (ran.incrementAndGet() == 1) { // [K] read after barrier(), which orders it
                    callbackThread.set(Thread.currentThread().getName());
                }
                if (Thread.currentThread() == caller) {
                    failures.add("a callback ran on the thread that called call()");
                }
            });
        }
        domain.barrier();
        long nanos = System.nanoTime() - start;
        long gracePeriods = domain.completedGracePeriods() - gracePeriodsBefore;
        extraCallbacks += ran.get();
        out.println("  call() " + n(BARRIER_CALLBACKS) + " times, then barrier(): returned after "
                + IndependentDomains.millis(nanos) + " with " + n(ran.get()) + " callbacks run on \""
                + callbackThread.get() + "\", using " + n(gracePeriods) + " grace periods");
        if (ran.get() != BARRIER_CALLBACKS) {
            failures.add("barrier() returned with " + n(ran.get()) + " of " + n(BARRIER_CALLBACKS) + " callbacks run");
        }
    }

    private void misuse(Srcu domain) throws InterruptedException {
        AtomicReference<String> outcome = new AtomicReference<>();
        Thread t = Thread.ofPlatform().daemon(true).name("config-misuse").start(() -> {
            try (var _ = domain.read()) {
                domain.synchronize();
                outcome.set("returned");
            } catch (IllegalStateException e) {
                outcome.set("IllegalStateException: " + e.getMessage());
            }
        });
        t.join(Duration.ofSeconds(5));
        String result = outcome.get();
        if (result == null || !result.startsWith("IllegalStateException")) {
            failures.add("synchronize() inside a read-side critical section of the same domain "
                    + (result == null ? "hung (5 s)" : result) + " instead of throwing IllegalStateException");
            return;
        }
        out.println("  synchronize() inside a read-side critical section of \"config\": " + result);
    }

    private void close(RcuDomain domain) {
        try {
            domain.close();
        } catch (RuntimeException e) {
            failures.add("close() of domain \"" + domain.name() + "\" failed: " + e);
        }
    }

    private void summary(long gracePeriods) {
        long reads = reports.stream().mapToLong(Report::reads).sum();
        long updates = reports.stream().mapToLong(Report::updates).sum();
        long callbacks = reports.stream().mapToLong(Report::callbacksRun).sum() + extraCallbacks;
        long retired =
                reports.stream().mapToLong(Report::sectionsHoldingRetired).sum();
        long maxSync =
                reports.stream().mapToLong(Report::maxSynchronizeNanos).max().orElse(0);
        long maxExpedited =
                reports.stream().mapToLong(Report::maxExpeditedNanos).max().orElse(0);
        out.println("Summary: " + n(reads) + " reads, " + n(updates) + " updates, " + n(gracePeriods)
                + " grace periods completed, " + n(callbacks) + " callbacks run, max synchronize() latency "
                + IndependentDomains.millis(maxSync) + " (expedited " + IndependentDomains.millis(maxExpedited)
                + "), " + n(retired) + " read-side critical sections held a retired object");
    }

    private static String n(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
