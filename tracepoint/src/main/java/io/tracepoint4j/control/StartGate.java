package io.tracepoint4j.control;

import io.tracepoint4j.Tracepoint;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Holds a JVM that the {@code tp} tool started ({@code tp record|stat|hist -- java ...}) at its
 * first tracepoint until the tool has attached and started what it was asked for, so that a short
 * command's firings are seen from the first, and a command that would exit while the tool attaches
 * waits for it instead. Applications never call this class: {@code Tracepoint.Builder.define()}
 * calls {@link #awaitTool(Tracepoint, boolean)}, and the tracer's control socket calls {@link
 * #open()} and {@link #ranOnWithoutTool()} when the tool says {@code go}.
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
     *   Where it waits, and where it must not: after the define returned from the registry,
     *   never under the registry's lock (the tool's attach reads the registry). While it waits, the
     *   tool's thread starts a session or counters, which register probes on the tracepoints
     *   defined so far, the first alone, under locks of their own (the session's monitor,
     *   Attachments'). Should that thread need something the waiting thread holds, it blocks
     *   until the wait ends; the waiting thread then goes on, defines its next tracepoint, and
     *   its registry listener needs the lock the blocked thread holds: a deadlock, not a bound.
     *   What the tool's thread can need from the waiting one: a class that thread is initializing
     *   (a tracepoint in a static final field is defined inside its class's initializer), and a
     *   monitor it holds. So the first define waits only where the tool needs neither:
     *   - its tracepoint has no lifecycle hook (a hook runs the application's code on the tool's
     *     thread: its lambda's class, any lock it takes);
     *   - no class initializer of tracepoint4j's own classes (its library packages, not an
     *     application's below io.tracepoint4j), of an enum or of an interface is on the stack
     *     (the tool's code, an argument's or a filter's enum, a prototype);
     *   - an argument's enum is initialized here first (the tool initializes it, and its
     *     initializer may use any class, the one this thread is initializing too; here that is a
     *     recursive request, which returns at once): the tool finds it initialized. It would be
     *     at the first firing anyway. If its initializer fails, no wait.
     *   Otherwise it does not wait, and no later define does: the command runs as it did before
     *   the gate, tp may miss its first firings, and ranOnWithoutTool() says why, for the tool to
     *   tell its user (as it does after WAIT_SECONDS, or an interrupted wait). Plain application
     *   class initializers (the usual static final tracepoint) and main() wait.
     *
     * Concurrency: [D] decided is read on every define (one volatile read once decided) and set
     *   once, by the first define, under the class's monitor; it publishes nothing but itself (the
     *   monitor orders decide()'s callers). OPENED is a latch, counted down by open() from the
     *   control socket's thread; the waiting thread reads nothing it orders. [G] ranOn is written
     *   once by the defining thread when the command runs on without the tool's go, and read by
     *   the control socket's thread to tell the tool. Nothing is printed in the target, ever.
     */

    /** The environment variable in which the tool gives a command it starts the tool's PID. */
    public static final String TOOL_PID_VARIABLE = "TRACEPOINT4J_TOOL_PID";

    /** The longest a command waits for its tool, in seconds: a tool attaches in about one. */
    public static final long WAIT_SECONDS = 10;

    /** How often the waiting thread checks that the tool still runs. */
    private static final long POLL_MILLIS = 50;

    private static final CountDownLatch OPENED = new CountDownLatch(1);

    /** Why the command ran on without the tool's go; null if it did not. */
    private static volatile String ranOn; // [G] written once by the defining thread, read by the control socket's

    /** Whether the first define has decided to wait or not. */
    private static volatile boolean decided; // [D] written once in decide() under the monitor, read by awaitTool()

    private StartGate() {}

    /**
     * Waits, in a JVM started by the tool and on its first define only, until the tool opens the
     * gate, exits, or {@link #WAIT_SECONDS} pass; returns at once everywhere else, and where the
     * tool could need what this thread holds (see the design note). Keeps the thread's interrupt:
     * an interrupted wait ends and the interrupt stays set.
     *
     * @param first the tracepoint the define returned
     * @param hooked whether it has a lifecycle hook (onFirstProbe, onLastProbe)
     */
    public static void awaitTool(Tracepoint<?> first, boolean hooked) {
        if (decided) { // [D] pairs with the write in decide(): every define after the first
            return;
        }
        Optional<ProcessHandle> tool = decide();
        if (tool.isEmpty()) {
            return;
        }
        if (!safeToWait(first, hooked)) {
            ranOn = "it defined its first tracepoint, " + first.name() + ", where it must not wait for tp (a lifecycle"
                    + " hook, or a class initializer tp's attach may need)"; // [G]
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        try {
            while (tool.get().isAlive()) {
                long left = deadline - System.nanoTime();
                if (OPENED.await(
                        Math.min(Math.max(left, 0), TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)),
                        TimeUnit.NANOSECONDS)) {
                    return;
                }
                if (left <= 0) {
                    ranOn = "it waited " + WAIT_SECONDS + " s for tp at its first tracepoint, then ran on"; // [G]
                    return;
                }
            }
        } catch (InterruptedException e) {
            ranOn = "its wait for tp at its first tracepoint was interrupted"; // [G]
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Why this JVM, started by the tool, ran on past its first tracepoint without the tool's go
     * (its first firings may have gone unseen), or null if it waited for it or was not started
     * by a tool. The tracer's control socket tells the tool, in its answer to {@code go}.
     */
    public static String ranOnWithoutTool() {
        return ranOn; // [G] pairs with the writes in awaitTool()
    }

    /** Whether the tool's attach can need nothing this thread holds: see the design note. */
    private static boolean safeToWait(Tracepoint<?> first, boolean hooked) {
        if (hooked) {
            return false;
        }
        for (Tracepoint.Argument argument : first.arguments()) {
            if (argument.type().isEnum() && argument.type().getEnumConstants() == null) { // initialized here
                return false; // its initializer failed: the tool's attach would fail on it too
            }
        }
        return !StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
                .walk(new InitializerOnStack());
    }

    /**
     * Whether the stack holds a class initializer the tool could need: tracepoint4j's own, an
     * enum's, an interface's. A class, not a lambda (no invokedynamic in this module).
     */
    private static final class InitializerOnStack implements Function<Stream<StackWalker.StackFrame>, Boolean> {

        @Override
        public Boolean apply(Stream<StackWalker.StackFrame> frames) {
            Iterator<StackWalker.StackFrame> walked = frames.iterator();
            while (walked.hasNext()) {
                StackWalker.StackFrame frame = walked.next();
                if (frame.getMethodName().equals("<clinit>")) {
                    Class<?> initialized = frame.getDeclaringClass();
                    if (initialized.isEnum() || initialized.isInterface() || isLibraryClass(initialized.getName())) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /**
     * The packages of tracepoint4j's library modules (the tool's attach runs their code): the
     * tracepoint module's own, {@code io.tracepoint4j}, and these with their subpackages. An
     * application's package below {@code io.tracepoint4j} (the examples') is not among them.
     */
    private static final String[] LIBRARY_PACKAGES = {
        "io.tracepoint4j.control",
        "io.tracepoint4j.rcu",
        "io.tracepoint4j.ringbuffer",
        "io.tracepoint4j.ctf",
        "io.tracepoint4j.tracer",
        "io.tracepoint4j.jfr",
        "io.tracepoint4j.otel"
    };

    /** Whether {@code className} is a class of tracepoint4j's library, not of an application. */
    static boolean isLibraryClass(String className) {
        int dot = className.lastIndexOf('.');
        String pkg = dot < 0 ? "" : className.substring(0, dot);
        if (pkg.equals("io.tracepoint4j")) {
            return true;
        }
        for (String library : LIBRARY_PACKAGES) {
            if (pkg.equals(library) || pkg.startsWith(library + ".")) {
                return true;
            }
        }
        return false;
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
