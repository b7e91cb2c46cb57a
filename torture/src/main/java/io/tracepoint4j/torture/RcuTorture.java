package io.tracepoint4j.torture;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.ReadSideBarrier;
import io.tracepoint4j.rcu.Srcu;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./tp torture}: the rcutorture-style stress test of tracepoint4j's RCU flavors. Prints, per
 * flavor, reads, updates, grace periods, callbacks and the age histogram; its last line is exactly
 * {@code too-short grace periods: N}, summed over all flavors. With {@code --target tracepoints} it
 * tortures probe registration instead ({@link TracepointTorture}); the last line is then exactly
 * {@code calls after synchronizeUnregister: N}.
 *
 * <p>Exit status: 0 when all is well, 1 when N &gt; 0 (or, for tracepoints, a firing was missed, a
 * probe called twice for one firing or through another tracepoint), 2 for bad options, 3 for any other failure
 * (a thread died, the run hung, barrier() returned early, close() refused...).
 */
@Command(
        name = "tp torture",
        mixinStandardHelpOptions = true,
        version = "tracepoint4j torture 0.1.0",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "rcutorture for tracepoint4j: readers hold the current object of an RCU-protected "
                    + "pipeline while updaters replace it and retire the old one through "
                    + "synchronize(), synchronizeExpedited(), call() and polling. A reader that ends "
                    + "its section holding an object aged 2 or more (or a freed one) proves a "
                    + "grace period ended too early."
        },
        footer = {
            "",
            "Exit status: 0 all well; 1 too-short grace periods found (tracepoints: a call after "
                    + "synchronizeUnregister, a missed, duplicate or misrouted firing); 2 bad options; "
                    + "3 any other failure (thread died, hang, barrier() early, close() refused)."
        })
public final class RcuTorture implements Callable<Integer> {

    /** Exit status: no too-short grace period and no other failure. */
    static final int EXIT_OK = 0;
    /** Exit status: at least one too-short grace period (tracepoints: an oracle violated). */
    static final int EXIT_TOO_SHORT = 1;
    /** Exit status: the options were wrong (picocli's usage status). */
    static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;
    /** Exit status: something other than a too-short grace period went wrong. */
    static final int EXIT_FAILED = 3;

    /** The flavors this command can torture; {@code all} means every one of them, in this order. */
    enum Flavor {
        SRCU("srcu", Srcu::create, true),
        RCU("rcu", ClassicRcu::create, false);

        final String label;
        final Function<String, RcuDomain> factory;
        final boolean readersMayBlock;

        Flavor(String label, Function<String, RcuDomain> factory, boolean readersMayBlock) {
            this.label = label;
            this.factory = factory;
            this.readersMayBlock = readersMayBlock;
        }

        RcuDomain create() {
            return factory.apply("torture-" + label);
        }
    }

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--flavor",
            paramLabel = "srcu|rcu|all",
            defaultValue = "all",
            description = "Flavor(s) to torture, one after the other (default: ${DEFAULT-VALUE}).")
    private String flavor;

    @Option(
            names = "--seconds",
            paramLabel = "N",
            defaultValue = "10",
            description = "How long to torture each flavor (default: ${DEFAULT-VALUE}).")
    private long seconds;

    @Option(
            names = "--readers",
            paramLabel = "N",
            description = "Platform-thread readers that never block (default: 2 per core).")
    private Integer readers;

    @Option(
            names = "--virtual-readers",
            paramLabel = "N",
            description = "Readers on virtual threads; they park inside some SRCU sections, "
                    + "resuming maybe on another carrier, and only spin in classic RCU (default: 1 per core).")
    private Integer virtualReaders;

    @Option(
            names = "--blocking-readers",
            paramLabel = "N",
            description = "SRCU only: platform-thread readers that sometimes sleep inside a section "
                    + "or end it on another thread (default: 1; 0 for rcu).")
    private Integer blockingReaders;

    @Option(
            names = "--overflowing-readers",
            paramLabel = "N",
            description = "Readers that recurse through nested sections until their stack overflows, "
                    + "end what the StackOverflowError left open, and move to a fresh thread every few "
                    + "overflows (default: 1).")
    private Integer overflowingReaders;

    @Option(names = "--updaters", paramLabel = "N", description = "Updater threads (default: 2).")
    private Integer updaters;

    @Option(
            names = "--reader-delay-us",
            paramLabel = "US",
            description = "Upper bound of the random spin inside every read section, in microseconds "
                    + "(default: 5; 1 in 256 sections spins up to 10 times longer).")
    private Long readerDelayMicros;

    @Option(
            names = "--updater-delay-us",
            paramLabel = "US",
            description = "Upper bound of the random pause between two updates, in microseconds " + "(default: 50).")
    private Long updaterDelayMicros;

    @Option(
            names = "--block-us",
            paramLabel = "US",
            description = "Upper bound of one sleep or park inside a blocking SRCU section, in "
                    + "microseconds (default: 1000).")
    private Long blockMicros;

    @Option(
            names = "--methods",
            paramLabel = "METHOD",
            split = ",",
            description = "Grace-period methods the updaters take in turn: any of synchronize, "
                    + "expedited, call, poll (default: all).")
    private List<GpMethod> methods;

    @Option(
            names = "--stall-seconds",
            paramLabel = "N",
            defaultValue = "30",
            description = "Declare the run hung when a reader or updater makes no progress for this "
                    + "long; stacks go to stderr (default: ${DEFAULT-VALUE}).")
    private long stallSeconds;

    @Option(
            names = "--target",
            paramLabel = "rcu|tracepoints|tracer",
            defaultValue = "rcu",
            description = "What to torture (default: ${DEFAULT-VALUE}): rcu, the grace-period flavors; "
                    + "tracepoints, probes registered and unregistered (or detached after failures) in storms while "
                    + "threads fire "
                    + "(uses --seconds, --readers and --virtual-readers as firing threads, --updaters, "
                    + "--block-us, --stall-seconds); tracer, sessions recording, rotating and changing rules while "
                    + "threads fire, every record read back (uses --seconds, --readers, --virtual-readers).")
    private String target;

    /** Entry point of the runnable jar; exits with the status described above. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, for {@link #main} and tests. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new RcuTorture());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setParameterExceptionHandler((e, args) -> { // one line, as tp's own commands answer
            e.getCommandLine()
                    .getErr()
                    .println("tp torture: " + e.getMessage() + " (tp torture --help lists the options)");
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("torture failed: " + e);
            e.printStackTrace(cmd.getErr());
            return EXIT_FAILED;
        });
        return commandLine;
    }

    @Override
    public Integer call() {
        if (target.equalsIgnoreCase("tracepoints")) {
            return callTracepoints();
        }
        if (target.equalsIgnoreCase("tracer")) {
            return callTracer();
        }
        List<Flavor> flavors = flavors();
        List<TortureSettings> settings = new ArrayList<>();
        for (Flavor each : flavors) {
            settings.add(settingsFor(each));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "rcutorture: %s, %d s each; %d cores; read-side barrier %s (%s)%n",
                String.join(" then ", flavors.stream().map(f -> f.label).toList()),
                seconds,
                Runtime.getRuntime().availableProcessors(),
                ReadSideBarrier.current(),
                ReadSideBarrier.reason());
        out.flush();
        LastLine lastLine = new LastLine(out);
        Thread onShutdown = new Thread(
                () -> lastLine.finish(
                        "INTERRUPTED: the JVM is shutting down (SIGTERM, SIGINT or exit) before "
                                + "every flavor finished",
                        true),
                "torture-last-line");
        Runtime.getRuntime().addShutdownHook(onShutdown);
        RuntimeException thrown = null;
        try {
            for (int i = 0; i < flavors.size(); i++) {
                lastLine.add(runFlavor(flavors.get(i), settings.get(i)));
            }
        } catch (RuntimeException | Error e) {
            spec.commandLine().getErr().println("torture failed: " + e);
            e.printStackTrace(spec.commandLine().getErr());
            spec.commandLine().getErr().flush();
            thrown = e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        List<FlavorReport> reports = lastLine.reports();
        long failures = reports.stream().mapToLong(r -> r.failures().size()).sum();
        if (thrown != null) {
            lastLine.finish("FAILED: the run threw " + thrown + " (stack trace on stderr)", true);
        } else if (failures > 0) {
            lastLine.finish(
                    "FAILED: " + failures + " problem(s) besides too-short grace periods; see FAILURE lines", false);
        } else {
            lastLine.finish(null, false);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(onShutdown);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs or has run; it prints nothing more, since finish() above came first
        }
        return exitCode(
                tooShort(reports) > 0, thrown != null || reports.stream().anyMatch(FlavorReport::failed));
    }

    /** {@code --target tracepoints}: one tracepoint torture; its last line is the oracle-1 count. */
    private int callTracepoints() {
        TracepointTorture.Settings settings = tracepointSettings();
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "tracepoint torture: %d s; %d cores; %d platform + %d virtual firing threads, %d updaters%n",
                seconds,
                Runtime.getRuntime().availableProcessors(),
                settings.platformFirers(),
                settings.virtualFirers(),
                settings.updaters());
        out.flush();
        TracepointTorture.Report report = TracepointTorture.run(settings, System.err);
        out.print(report.format());
        out.flush();
        return report.exitCode();
    }

    /** {@code --target tracer}: one tracer torture; its last line is {@code tracer errors: N}. */
    private int callTracer() {
        TracerTorture.Settings settings = tracerSettings();
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "tracer torture: %d s; %d cores; %d platform + %d virtual firing threads, two sessions per round%n",
                seconds,
                Runtime.getRuntime().availableProcessors(),
                settings.platformFirers(),
                settings.virtualFirers());
        out.flush();
        TracerTorture.Report report = TracerTorture.run(settings, System.err);
        out.print(report.format());
        out.flush();
        return report.exitCode();
    }

    /** The parsed settings of {@code --target tracer}. */
    TracerTorture.Settings tracerSettings() {
        checkRunTimes();
        if (methods != null
                || blockingReaders != null
                || overflowingReaders != null
                || readerDelayMicros != null
                || updaterDelayMicros != null
                || updaters != null) {
            throw usage("--methods, --blocking-readers, --overflowing-readers, --reader-delay-us,"
                    + " --updater-delay-us and --updaters are not for --target tracer");
        }
        TracerTorture.Settings defaults = TracerTorture.Settings.defaults();
        try {
            return new TracerTorture.Settings(
                    Duration.ofSeconds(seconds),
                    readers != null ? readers : defaults.platformFirers(),
                    virtualReaders != null ? virtualReaders : defaults.virtualFirers(),
                    TracerTorture.Breakage.NONE);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** The parsed settings of {@code --target tracepoints}. */
    TracepointTorture.Settings tracepointSettings() {
        checkRunTimes();
        if (methods != null
                || blockingReaders != null
                || overflowingReaders != null
                || readerDelayMicros != null
                || updaterDelayMicros != null) {
            throw usage("--methods, --blocking-readers, --overflowing-readers, --reader-delay-us and"
                    + " --updater-delay-us are for --target rcu only");
        }
        TracepointTorture.Settings defaults = TracepointTorture.Settings.defaults();
        try {
            return new TracepointTorture.Settings(
                    Duration.ofSeconds(seconds),
                    readers != null ? readers : defaults.platformFirers(),
                    virtualReaders != null ? virtualReaders : defaults.virtualFirers(),
                    updaters != null ? updaters : defaults.updaters(),
                    micros(blockMicros, defaults.blockTime(), "--block-us"),
                    Duration.ofSeconds(stallSeconds),
                    TracepointTorture.Breakage.NONE);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw usage(e.getMessage());
        }
    }

    /** The parsed settings of one flavor; public to tests through the package. */
    TortureSettings settingsFor(Flavor which) {
        checkTarget();
        checkRunTimes();
        int blocking;
        if (!which.readersMayBlock) {
            if (blockingReaders != null && blockingReaders > 0 && flavors().size() == 1) {
                throw usage("--blocking-readers is for srcu only: classic RCU readers must not "
                        + "block inside a read-side critical section (use --flavor srcu or all)");
            }
            blocking = 0;
        } else {
            blocking = blockingReaders != null
                    ? blockingReaders
                    : TortureSettings.defaults().blockingReaders();
        }
        TortureSettings defaults = TortureSettings.defaults();
        try {
            return new TortureSettings(
                    Duration.ofSeconds(seconds),
                    readers != null ? readers : defaults.readers(),
                    virtualReaders != null ? virtualReaders : defaults.virtualReaders(),
                    blocking,
                    overflowingReaders != null ? overflowingReaders : defaults.overflowingReaders(),
                    updaters != null ? updaters : defaults.updaters(),
                    micros(readerDelayMicros, defaults.readerDelay(), "--reader-delay-us"),
                    micros(updaterDelayMicros, defaults.updaterDelay(), "--updater-delay-us"),
                    micros(blockMicros, defaults.blockTime(), "--block-us"),
                    methods != null ? EnumSet.copyOf(methods) : defaults.methods(),
                    Duration.ofSeconds(stallSeconds));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw usage(e.getMessage());
        }
    }

    /** The options of both targets: how long to run, and how long a thread may stall. */
    private void checkRunTimes() {
        if (seconds < 1) {
            throw usage("--seconds must be at least 1, was " + seconds);
        }
        if (stallSeconds < 1) {
            throw usage("--stall-seconds must be at least 1, was " + stallSeconds);
        }
    }

    /** The flavors {@code --flavor} names, in run order. */
    List<Flavor> flavors() {
        String name = flavor.toLowerCase(Locale.ROOT);
        if (name.equals("all")) {
            return List.of(Flavor.values());
        }
        for (Flavor each : Flavor.values()) {
            if (each.label.equals(name)) {
                return List.of(each);
            }
        }
        throw usage("--flavor must be srcu, rcu or all, was '" + flavor + "'");
    }

    /** Sum of too-short grace periods over {@code reports}: the number on the last line. */
    static long tooShort(List<FlavorReport> reports) {
        return reports.stream().mapToLong(FlavorReport::tooShortGracePeriods).sum();
    }

    /** The exit status for {@code reports}: too-short grace periods first, then other failures. */
    static int exitCode(List<FlavorReport> reports) {
        return exitCode(tooShort(reports) > 0, reports.stream().anyMatch(FlavorReport::failed));
    }

    /**
     * The exit status of either target: {@code violated} (a too-short grace period; for
     * tracepoints, any oracle) first, then any other failure.
     */
    static int exitCode(boolean violated, boolean failed) {
        if (violated) {
            return EXIT_TOO_SHORT;
        }
        return failed ? EXIT_FAILED : EXIT_OK;
    }

    private FlavorReport runFlavor(Flavor which, TortureSettings settings) {
        PrintStream diagnostics = System.err;
        RcuDomain domain;
        try {
            domain = which.create();
        } catch (RuntimeException | Error e) {
            e.printStackTrace(diagnostics);
            return FlavorReport.notStarted(which.label, settings, e);
        }
        return FlavorTorture.run(which.label, domain, settings, diagnostics);
    }

    private void checkTarget() {
        if (target.equalsIgnoreCase("rcu")) {
            return;
        }
        if (target.equalsIgnoreCase("tracepoints") || target.equalsIgnoreCase("tracer")) {
            throw usage("--target " + target + " has no flavors");
        }
        throw usage("--target must be rcu, tracepoints or tracer, was '" + target + "'");
    }

    private static Duration micros(Long value, Duration fallback, String option) {
        if (value == null) {
            return fallback;
        }
        if (value < 0) {
            throw new IllegalArgumentException(option + " must not be negative, was " + value);
        }
        return Duration.ofNanos(Math.multiplyExact(value, 1_000L));
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /**
     * The flavor reports printed so far and the required last line, {@code too-short grace periods:
     * N}, summed over the flavors that finished. The main thread adds reports; {@link #finish} prints
     * the last line once, from the main thread at the end or from a shutdown hook when the JVM is
     * stopped mid-run (SIGTERM), so the line is there however the run ends. After it nothing more is
     * printed. Monitor-guarded: the hook and the main thread may race.
     */
    private static final class LastLine {
        private final PrintWriter out;
        private final List<FlavorReport> reports = new ArrayList<>();
        private boolean finished;

        LastLine(PrintWriter out) {
            this.out = out;
        }

        synchronized void add(FlavorReport report) {
            if (finished) {
                return;
            }
            reports.add(report);
            out.print(report.format());
            out.flush();
        }

        synchronized List<FlavorReport> reports() {
            return List.copyOf(reports);
        }

        /**
         * Prints {@code note} (unless null), saying how many flavors the count covers when {@code
         * partial}, and then the last line; the first call only.
         */
        synchronized void finish(String note, boolean partial) {
            if (finished) {
                return;
            }
            finished = true;
            if (note != null) {
                out.println(
                        partial
                                ? note + "; the count below covers the " + reports.size() + " finished flavor(s)"
                                : note);
            }
            out.println("too-short grace periods: " + tooShort(reports));
            out.flush();
        }
    }
}
