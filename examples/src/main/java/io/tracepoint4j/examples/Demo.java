package io.tracepoint4j.examples;

import java.util.Arrays;

/**
 * {@code ./tp demo}: the tracing demo ({@link TracingDemo}); {@code ./tp demo rcu}: the grace-period
 * engine's demo ({@link GracePeriodDemo}); {@code ./tp demo jfr}: tracepoints as JFR events
 * ({@link JfrBridgeDemo}).
 */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("rcu")) {
            GracePeriodDemo.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && args[0].equals("jfr")) {
            JfrBridgeDemo.main(Arrays.copyOfRange(args, 1, args.length));
        } else {
            TracingDemo.main(args);
        }
    }
}
