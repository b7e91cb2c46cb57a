package io.tracepoint4j.examples;

import io.tracepoint4j.ctf.FileErrors;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code ./tp demo}: the tracing demo ({@link TracingDemo}); {@code ./tp demo rcu}: the grace-period
 * engine's demo ({@link GracePeriodDemo}); {@code ./tp demo jfr}: tracepoints as JFR events
 * ({@link JfrBridgeDemo}). A usage error ends it with status 2 and one line naming the argument;
 * a file that cannot be written, with status 1 and one line naming the file.
 */
public final class Demo {
    static final String USAGE =
            "demo [--out DIR] [--seconds S] | demo --serve SECONDS [--flight-recorder] | demo rcu [--run-millis N]"
                    + " | demo jfr [FILE]";

    private Demo() {}

    public static void main(String[] args) throws Exception {
        try {
            if (args.length > 0 && args[0].equals("rcu")) {
                GracePeriodDemo.main(Arrays.copyOfRange(args, 1, args.length));
            } else if (args.length > 0 && args[0].equals("jfr")) {
                JfrBridgeDemo.main(Arrays.copyOfRange(args, 1, args.length));
            } else {
                TracingDemo.main(args);
            }
        } catch (UsageError e) {
            System.err.println("tp demo: " + e.getMessage() + ". Usage: tp " + USAGE);
            System.exit(2);
        } catch (IOException e) {
            System.err.println("tp demo: " + describe(e));
            System.exit(1);
        }
    }

    /** A bad argument: main prints it with the usage. */
    static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message, null, false, false);
        }
    }

    static UsageError usageError(String message) {
        return new UsageError(message);
    }

    /** The value after option {@code args[at]}, which must be there: {@code what} it should be. */
    static String value(String[] args, int at, String what) {
        if (at + 1 >= args.length) {
            throw usageError(args[at] + " needs " + what);
        }
        return args[at + 1];
    }

    /** The whole number of {@code unit}s, 0 to {@code max}, after option {@code args[at]}. */
    static long whole(String[] args, int at, int max, String unit) {
        String value = value(args, at, "a number of " + unit);
        if (!value.matches("[0-9]{1,9}") || Long.parseLong(value) > max) {
            throw usageError(args[at] + " " + value + ": give whole " + unit + ", 0 to " + max);
        }
        return Long.parseLong(value);
    }

    /** An I/O failure in one line: the JDK's file exceptions carry only the path as their message. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException failed && failed.getFile() != null && failed.getOtherFile() == null) {
            return "cannot write " + failed.getFile() + ": " + FileErrors.reason(e, Path.of(failed.getFile()));
        }
        return e.getMessage();
    }
}
