package io.tracepoint4j;

import io.tracepoint4j.control.StartGate;
import java.util.concurrent.TimeUnit;
import startgate.Holders;

/**
 * For StartGateTest, in a JVM of its own (the gate decides once per JVM): defines its first
 * tracepoint where {@code args[1]} says, then prints how long that took and whether the JVM's
 * parent process still runs, as {@code waited MILLIS ms, parent running|gone, second define MILLIS
 * ms}. With {@code args[0]} a number, a thread opens the gate that many milliseconds after the
 * start, as the tool's {@code go} does, after initializing the enums of the tracepoints'
 * arguments, as the tool's session does ({@code -}: nothing opens it).
 *
 * <p>Where: {@code main} (in main()), {@code hooked} (in main(), with an onFirstProbe hook),
 * {@code plain} (a plain class's initializer), {@code enumArgument} (the same, an enum argument),
 * {@code enumNeedingItsHolder} (the same, the enum's initializer reading that class),
 * {@code enum} (an enum's initializer), {@code own} (an initializer of a class in tracepoint4j's
 * package), {@code application} (a plain class's initializer in an application's package below
 * {@code io.tracepoint4j}, as the examples').
 */
public final class StartGateMain {
    private StartGateMain() {}

    /** A class in tracepoint4j's package whose initializer defines. */
    static final class Own {
        static final Tracepoint<Holders.Ping> FIRST = Tracepoint.define("gate:own", Holders.Ping.class, "n");

        private Own() {}
    }

    public static void main(String[] args) throws InterruptedException {
        ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
        if (!args[0].equals("-")) {
            long openAfterMillis = Long.parseLong(args[0]);
            Thread opener = new Thread(new Runnable() {
                @Override
                public void run() {
                    try {
                        Thread.sleep(openAfterMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (Tracepoint<?> defined : Tracepoints.find("gate:*")) { // as the tool's session does
                        for (Tracepoint.Argument argument : defined.arguments()) {
                            if (argument.type().isEnum()) {
                                argument.type().getEnumConstants();
                            }
                        }
                    }
                    StartGate.open();
                }
            });
            opener.setDaemon(true);
            opener.start();
        }
        long start = System.nanoTime();
        Object first = switch (args[1]) {
            case "main" -> Tracepoint.define("gate:first", Holders.Ping.class, "n");
            case "hooked" ->
                Tracepoint.builder("gate:hooked", Holders.Ping.class)
                        .arguments("n")
                        .onFirstProbe(new Runnable() {
                            @Override
                            public void run() {}
                        })
                        .define();
            case "plain" -> Holders.Plain.FIRST;
            case "enumArgument" -> Holders.WithEnumArgument.FIRST;
            case "enumNeedingItsHolder" -> Holders.WithEnumNeedingItsHolder.FIRST;
            case "enum" -> Holders.Defining.FIRST;
            case "own" -> Own.FIRST;
            case "application" -> io.tracepoint4j.someapp.Holder.FIRST;
            default -> throw new IllegalArgumentException(args[1]);
        };
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long again = System.nanoTime();
        Tracepoint.define("gate:second", Holders.Ping.class, "n");
        long second = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - again);
        System.out.println(first + ": waited " + waited + " ms, parent " + (parent.isAlive() ? "running" : "gone")
                + ", second define " + second + " ms, ran on: " + StartGate.ranOnWithoutTool());
    }
}
