package io.tracepoint4j.control;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds a JVM that the {@code tp} tool started ({@code tp record|stat|hist -- java ...}) at its
 * first tracepoint until the tool has attached and started what it was asked for, so that a short
 * command's firings are seen from the first, and a command that would exit while the tool attaches
 * waits for it instead. Applications never call this class: {@code Tracepoint.Builder.define()} calls
 * {@link #awaitTool()}, and the tracer's control socket calls {@link #open()} when the tool says
 * {@code go}.
 */
public final class StartGate {
    /*
     * Overview
     *   The tool starts its command with TOOL_PID_VARIABLE set to its own PID. A JVM whose parent
     *   process has that PID is the command itself (a JVM the command starts in turn inherits the
     *   variable, but its parent is the command, so it never waits). Its first define waits, after
     *   its tracepoint is built and registered, until the tool opens the gate (after its session or
     *   counters are in place), the tool exits, or WAIT_SECONDS pass; then the program runs on.
     *   LTTng-UST's applications wait for the session daemon in the same way at start-up, bounded
     *   by LTTNG_UST_REGISTER_TIMEOUT.
     *
     *   Where it waits: after the define returned from the registry, never inside this module's
     *   class initializers or under the registry's lock, because the tool's attach needs them
     *   (Bootstrap reads the registry, the session registers probes). The waiting thread may be in
     *   the application's own class initializer (a tracepoint in a static final field): nothing
     *   the tool does initializes application classes. Should an application hold a lock the tool
     *   would need, the wait ends at WAIT_SECONDS all the same: bounded, never a deadlock.
     *
     * Concurrency: [D] decided is read on every define (one volatile read once decided) and set
     *   once, by the first define, under the class's monitor; it publishes nothing but itself (the
     *   monitor orders decide()'s callers). OPENED is a latch, counted down by open() from the
     *   control socket's thread; the waiting thread reads nothing it orders. Nothing is printed in
     *   the target, ever.
     */

    /** The environment variable in which the tool gives a command it starts the tool's PID. */
    public static final String TOOL_PID_VARIABLE = "TRACEPOINT4J_TOOL_PID";

    /** The longest a command waits for its tool, in seconds: a tool attaches in about one. */
    public static final long WAIT_SECONDS = 10;

    /** How often the waiting thread checks that the tool still runs. */
    private static final long POLL_MILLIS = 50;

    private static final CountDownLatch OPENED = new CountDownLatch(1);

    /** Whether the first define has decided to wait or not. */
    private static volatile boolean decided; // [D] written once in decide() under the monitor, read by awaitTool()

    private StartGate() {}

    /**
     * Waits, in a JVM started by the tool and on its first define only, until the tool opens the
     * gate, exits, or {@link #WAIT_SECONDS} pass; returns at once everywhere else. Keeps the
     * thread's interrupt: an interrupted wait ends and the interrupt stays set.
     */
    public static void awaitTool() {
        if (decided) { // [D] pairs with the write in decide(): every define after the first
            return;
        }
        Optional<ProcessHandle> tool = decide();
        if (tool.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        try {
            while (tool.get().isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0
                        || OPENED.await(
                                Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)), TimeUnit.NANOSECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Lets the command run on: the tool has started what it was asked for. Called by the tracer's
     * control socket on the tool's {@code go}; a JVM not waiting keeps the gate open for later.
     */
    public static void open() {
        OPENED.countDown();
    }

    /**
     * The tool this JVM waits for, decided once: the parent process if the environment names it,
     * else empty; the first caller gets it, every later caller empty.
     */
    private static synchronized Optional<ProcessHandle> decide() {
        if (decided) {
            return Optional.empty(); // another define decided first
        }
        decided = true; // [D] later defines read it in awaitTool() and skip the monitor; nothing else is published
        String variable = System.getenv(TOOL_PID_VARIABLE);
        if (variable == null) {
            return Optional.empty();
        }
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        return parent.isPresent() && Long.toString(parent.get().pid()).equals(variable.strip())
                ? parent
                : Optional.empty();
    }
}
