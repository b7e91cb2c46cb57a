package io.tracepoint4j.examples;

import io.tracepoint4j.Tracepoint;
import java.io.PrintStream;
import java.util.concurrent.atomic.LongAdder;

/**
 * A tracepoint from both sides: a service fires {@code http:request} for every request it handles,
 * and a consumer attaches a probe, counts server errors, and detaches safely. Run it with {@code
 * ./tp demo rcu} (its last part) or on its own: {@code java -cp examples/target/tracepoint4j-examples.jar
 * io.tracepoint4j.examples.TracepointExample}.
 */
public final class TracepointExample {

    /**
     * The prototype: one method whose parameters are the tracepoint's arguments. Public, in a package
     * exported (at least) to {@code io.tracepoint4j}: see this module's module-info.
     */
    public interface Request {
        void request(String method, int status, long nanos);
    }

    /** The service's side: defined once, in a static final field, so the JIT folds the disabled check. */
    static final Tracepoint<Request> REQUEST =
            Tracepoint.define("http:request", Request.class, "method", "status", "nanos");

    private TracepointExample() {}

    public static void main(String[] args) {
        run(System.out);
    }

    /** Fires without and with a probe, prints what the probe saw; returns the errors it counted. */
    static long run(PrintStream out) {
        out.println("tracepoint " + REQUEST);
        handleRequests(1_000); // no probe attached: each firing is a folded branch

        // The consumer's side. Keep the probe in a variable (or field): unregister matches by identity.
        LongAdder serverErrors = new LongAdder();
        Request probe = (method, status, nanos) -> {
            if (status >= 500) {
                serverErrors.increment();
            }
        };
        REQUEST.register(probe);
        handleRequests(1_000);
        REQUEST.unregister(probe);
        REQUEST.synchronizeUnregister(); // now the probe is not running and never called again
        handleRequests(1_000); // not seen by the probe

        out.println("  3000 requests handled; the probe, attached for 1000 of them, counted " + serverErrors.sum()
                + " server errors; " + REQUEST.probeCount() + " probes attached now");
        return serverErrors.sum();
    }

    /** The instrumented code: one request in 100 fails with 503. */
    private static void handleRequests(int count) {
        for (int i = 0; i < count; i++) {
            int status = i % 100 == 99 ? 503 : 200;
            REQUEST.fire().request(i % 4 == 0 ? "POST" : "GET", status, 1_000L * (i % 50));
        }
    }
}
