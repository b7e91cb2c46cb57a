package io.tracepoint4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** A tp command run in this JVM, as the tests run them: its exit status and what it printed. */
record TpCommand(int status, String out, String err) {
    /** Runs {@code tp ARGS} in process (each argument's toString). */
    static TpCommand run(Object... args) {
        String[] argv = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].toString();
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Tp.run(new PrintWriter(out), new PrintWriter(err, true), argv);
        return new TpCommand(status, out.toString(), err.toString());
    }
}
