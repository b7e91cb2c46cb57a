package io.tracepoint4j.bench;

import io.tracepoint4j.Tracepoint;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Name;
import jdk.jfr.Recording;
import jdk.jfr.StackTrace;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: what does firing a tracepoint cost at the call site, with no probe attached (the static
 * key folded by the JIT) and with one or four probes attached, compared with an empty method, a
 * volatile-boolean guard, JFR's own events and a direct call of the probe?
 *
 * <p>Two methods, each with its own {@code scenario} parameter and its own baseline:
 *
 * <ul>
 *   <li>{@link #single}: one op is one firing with arguments {@code (long, int)} read from the
 *       state. {@code empty}: an empty method, the <b>baseline</b>; {@code disabled}: a tracepoint
 *       with no probe; {@code volatileGuard}: {@code if (volatileBoolean) probe(...)}, the flag
 *       false; {@code jfrDisabled}: a JFR event ({@code isEnabled()}, then fields and {@code
 *       commit()}) that the running recording does not enable; {@code direct}: a direct call of the
 *       no-op probe; {@code oneProbe}: a regular tracepoint with that probe registered; {@code
 *       oneProbeFaultable}: the same on a faultable (SRCU) tracepoint; {@code fourProbes}: a regular
 *       tracepoint with four different no-op probes (four classes, so the call to them inside the
 *       tracepoint is megamorphic, as with four real consumers); {@code jfrEnabled}: the JFR event of
 *       {@code jfrDisabled} with the same fields, enabled in the running in-memory recording (no
 *       stack trace, no threshold); {@code pluginDisabled} and {@code pluginOneProbe}: {@code
 *       disabled} and {@code oneProbe} with the tracepoint, its prototype and the probe in a plugin's
 *       class loader ({@link PluginFirings}), where the tracepoint's class is then defined, called
 *       through a static final method handle (inlined).
 *   <li>{@link #loop}: one op is a loop of {@value #LOOP} iterations that sums its index into the
 *       returned value (as a long, reading it from {@link #INDEX}: the loop shape C2 vectorizes) and
 *       fires a tracepoint with the index as argument. {@code loopBaseline}: no
 *       tracepoint, the <b>baseline</b>; {@code loopDisabled}: a tracepoint with no probe; {@code
 *       loopVolatileGuard}: a false volatile boolean guarding a call. A folded check leaves the loop
 *       as fast as the baseline (unrolled, vectorized); a load per iteration does not. Single
 *       firings differ by fractions of a nanosecond; the loop makes the difference visible.
 * </ul>
 *
 * <p>Every tracepoint is {@code static final}, so C2 sees a constant receiver. Each scenario runs in
 * its own fork (do not use {@code -f 0}) and loads exactly one {@link Firing} or {@link Looping}
 * subclass, so the call to it is monomorphic and the call sites see one scenario only.
 *
 * <p>How to read it: average time per op in ns. {@code bench/report --baseline scenario=empty --vs
 * scenario=loopBaseline} gives {@code single} rows against {@code empty} ({@code ×base}, {@code
 * Δbase}) and {@code loop} rows against {@code loopBaseline} ({@code ×loopBaseline}). Add {@code
 * -prof gc} for the {@code alloc B/op} column. Targets (issue 3), from one run:
 *
 * <ul>
 *   <li>{@code loopDisabled} at most 1.1x {@code loopBaseline} (the JIT folded the check);
 *   <li>{@code disabled} no slower than {@code volatileGuard} and {@code jfrDisabled};
 *   <li>{@code oneProbe} within 2 ns of {@code direct}; {@code oneProbeFaultable} within 6 ns of
 *       {@code direct} (compare their {@code Δbase});
 *   <li>{@code fourProbes} under 4x {@code oneProbe};
 *   <li>0 B/op allocated per firing ({@code -prof gc}) for every tracepoint scenario.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = TracepointFiringBench.FORKS,
        jvmArgsAppend = {Jvm.NATIVE_ACCESS, Jvm.QUIET_UNSAFE})
public class TracepointFiringBench {

    static final int FORKS = 2;

    /** Iterations per op of {@link #loop}. */
    static final int LOOP = 1024;

    /**
     * {@code INDEX[i] == i}: the loops sum their index read from here into a long, because C2 (JDK
     * 25) vectorizes that reduction but not one of the loop variable itself nor an int sum; a
     * vectorized baseline is what makes a per-iteration load (which blocks vectorization) visible.
     */
    static final int[] INDEX = java.util.stream.IntStream.range(0, LOOP).toArray();

    /** The prototype of the single-firing tracepoints. */
    public interface Event2 {
        void event(long a, int b);
    }

    /** The prototype of the loop tracepoints. */
    public interface Index {
        void index(int i);
    }

    static final Tracepoint<Event2> DISABLED = Tracepoint.define("bench:disabled", Event2.class, "a", "b");
    static final Tracepoint<Event2> ONE = Tracepoint.define("bench:one", Event2.class, "a", "b");
    static final Tracepoint<Event2> ONE_FAULTABLE =
            Tracepoint.defineFaultable("bench:one_faultable", Event2.class, "a", "b");
    static final Tracepoint<Event2> FOUR = Tracepoint.define("bench:four", Event2.class, "a", "b");
    static final Tracepoint<Index> LOOP_DISABLED = Tracepoint.define("bench:loop_disabled", Index.class, "i");

    /** The no-op probe: what {@code direct} calls and {@code oneProbe} attaches. */
    static final Event2 PROBE = (a, b) -> {};

    static final Index INDEX_PROBE = i -> {};

    /** Always false: the guard of {@code volatileGuard} and {@code loopVolatileGuard}. */
    static volatile boolean guard;

    /** A JFR event the recording leaves disabled. */
    @Name("io.tracepoint4j.bench.Disabled")
    @Enabled(false)
    @StackTrace(false)
    static final class DisabledEvent extends Event {
        long a;
        int b;
    }

    /** The same fields, enabled in the recording. */
    @Name("io.tracepoint4j.bench.Enabled")
    @StackTrace(false)
    static final class EnabledEvent extends Event {
        long a;
        int b;
    }

    // ---- single firings ----

    /** The state of {@link #single}: the scenario and the arguments, read anew every op. */
    @State(Scope.Benchmark)
    public static class Single {

        /** What one op does; {@code empty} is the baseline. */
        @Param({
            "empty",
            "disabled",
            "volatileGuard",
            "jfrDisabled",
            "direct",
            "oneProbe",
            "oneProbeFaultable",
            "fourProbes",
            "jfrEnabled",
            "pluginDisabled",
            "pluginOneProbe"
        })
        public String scenario;

        long a = 42;
        int b = 7;
        Firing firing;
        private Recording recording;
        private Tracepoint<Event2> attached;
        private Event2[] probes = {};

        @Setup(Level.Trial)
        public void setUp() {
            Object made; // not Firing, so that only the class taken loads: see the note in Reader
            switch (scenario) {
                case "empty" -> made = new Empty();
                case "disabled" -> made = new Disabled();
                case "volatileGuard" -> made = new VolatileGuard();
                case "jfrDisabled" -> made = new JfrDisabled();
                case "direct" -> made = new Direct();
                case "oneProbe" -> made = new OneProbe();
                case "oneProbeFaultable" -> made = new OneProbeFaultable();
                case "fourProbes" -> made = new FourProbes();
                case "jfrEnabled" -> made = new JfrEnabled();
                case "pluginDisabled" -> made = new PluginDisabled();
                case "pluginOneProbe" -> made = new PluginOneProbe();
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
            firing = (Firing) made;
            switch (scenario) {
                case "oneProbe" -> attach(ONE, PROBE);
                case "oneProbeFaultable" -> attach(ONE_FAULTABLE, PROBE);
                case "fourProbes" -> attach(FOUR, (x, y) -> {}, (x, y) -> {}, (x, y) -> {}, (x, y) -> {});
                case "jfrDisabled", "jfrEnabled" -> startRecording();
                case "pluginOneProbe" -> PluginOneProbe.attach();
                default -> {}
            }
        }

        private void attach(Tracepoint<Event2> tracepoint, Event2... toRegister) {
            attached = tracepoint;
            probes = toRegister;
            for (Event2 probe : toRegister) {
                tracepoint.register(probe);
            }
            if (!tracepoint.enabled() || tracepoint.probeCount() != toRegister.length) {
                throw new IllegalStateException(tracepoint + " did not take " + toRegister.length + " probes");
            }
        }

        private void startRecording() {
            recording = new Recording();
            recording.setName("TracepointFiringBench");
            recording.setToDisk(false); // a ring of memory buffers: jfrEnabled commits without end
            recording.disable(DisabledEvent.class);
            if (scenario.equals("jfrEnabled")) {
                recording.enable(EnabledEvent.class).withoutStackTrace().withoutThreshold();
            }
            recording.start();
            boolean ready =
                    scenario.equals("jfrEnabled") ? new EnabledEvent().isEnabled() : !new DisabledEvent().isEnabled();
            if (!ready) {
                throw new IllegalStateException("the recording did not set up the JFR event of " + scenario);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (attached != null) {
                for (Event2 probe : probes) {
                    attached.unregister(probe);
                }
                attached.synchronizeUnregister();
            }
            if (recording != null) {
                recording.close();
            }
            if (scenario.equals("pluginOneProbe")) {
                PluginOneProbe.detach();
            }
        }
    }

    /** One firing; exactly one subclass is loaded per fork. */
    abstract static class Firing {
        abstract void fire(long a, int b);
    }

    static final class Empty extends Firing {
        @Override
        void fire(long a, int b) {}
    }

    static final class Disabled extends Firing {
        @Override
        void fire(long a, int b) {
            DISABLED.fire().event(a, b);
        }
    }

    static final class VolatileGuard extends Firing {
        @Override
        void fire(long a, int b) {
            if (guard) {
                PROBE.event(a, b);
            }
        }
    }

    static final class JfrDisabled extends Firing {
        @Override
        void fire(long a, int b) {
            DisabledEvent event = new DisabledEvent();
            if (event.isEnabled()) {
                event.a = a;
                event.b = b;
                event.commit();
            }
        }
    }

    static final class Direct extends Firing {
        @Override
        void fire(long a, int b) {
            PROBE.event(a, b);
        }
    }

    static final class OneProbe extends Firing {
        @Override
        void fire(long a, int b) {
            ONE.fire().event(a, b);
        }
    }

    static final class OneProbeFaultable extends Firing {
        @Override
        void fire(long a, int b) {
            ONE_FAULTABLE.fire().event(a, b);
        }
    }

    static final class FourProbes extends Firing {
        @Override
        void fire(long a, int b) {
            FOUR.fire().event(a, b);
        }
    }

    static final class JfrEnabled extends Firing {
        @Override
        void fire(long a, int b) {
            EnabledEvent event = new EnabledEvent();
            if (event.isEnabled()) {
                event.a = a;
                event.b = b;
                event.commit();
            }
        }
    }

    /** The type of the plugin's firing methods. */
    static final MethodType FIRE_TYPE = MethodType.methodType(void.class, long.class, int.class);

    /** {@code disabled}, with the tracepoint and its prototype in a plugin's class loader. */
    static final class PluginDisabled extends Firing {
        static final MethodHandle FIRE = PluginFirings.handle("fireDisabled", FIRE_TYPE);

        @Override
        void fire(long a, int b) {
            try {
                FIRE.invokeExact(a, b);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
    }

    /** {@code oneProbe}, with the tracepoint, its prototype and the probe in a plugin's class loader. */
    static final class PluginOneProbe extends Firing {
        static final MethodHandle FIRE = PluginFirings.handle("fireOne", FIRE_TYPE);

        @Override
        void fire(long a, int b) {
            try {
                FIRE.invokeExact(a, b);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        static void attach() {
            ClassLoader host;
            try {
                host = (ClassLoader) PluginFirings.handle("attach", MethodType.methodType(ClassLoader.class))
                        .invokeExact();
            } catch (Throwable t) {
                throw new IllegalStateException("cannot attach the plugin's probe", t);
            }
            if (host != PluginFirings.LOADER) {
                throw new IllegalStateException("the plugin's tracepoint lives in " + host + ", not in its loader");
            }
        }

        static void detach() {
            try {
                PluginFirings.handle("detach", MethodType.methodType(void.class))
                        .invokeExact();
            } catch (Throwable t) {
                throw new IllegalStateException("cannot detach the plugin's probe", t);
            }
        }
    }

    /** One firing of the scenario's call site. */
    @Benchmark
    public void single(Single state) {
        state.firing.fire(state.a, state.b);
    }

    // ---- loops ----

    /** The state of {@link #loop}. */
    @State(Scope.Benchmark)
    public static class Loop {

        /** What the loop body does besides summing; {@code loopBaseline} is the baseline. */
        @Param({"loopBaseline", "loopDisabled", "loopVolatileGuard"})
        public String scenario;

        Looping looping;

        @Setup(Level.Trial)
        public void setUp() {
            Object made; // not Looping, so that only the class taken loads: see the note in Reader
            switch (scenario) {
                case "loopBaseline" -> made = new LoopBaseline();
                case "loopDisabled" -> made = new LoopDisabled();
                case "loopVolatileGuard" -> made = new LoopVolatileGuard();
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
            looping = (Looping) made;
        }
    }

    /** One loop of {@value #LOOP} iterations; exactly one subclass is loaded per fork. */
    abstract static class Looping {
        abstract long run();
    }

    static final class LoopBaseline extends Looping {
        @Override
        long run() {
            long sum = 0;
            for (int i = 0; i < LOOP; i++) {
                sum += INDEX[i];
            }
            return sum;
        }
    }

    static final class LoopDisabled extends Looping {
        @Override
        long run() {
            long sum = 0;
            for (int i = 0; i < LOOP; i++) {
                sum += INDEX[i];
                LOOP_DISABLED.fire().index(i);
            }
            return sum;
        }
    }

    static final class LoopVolatileGuard extends Looping {
        @Override
        long run() {
            long sum = 0;
            for (int i = 0; i < LOOP; i++) {
                sum += INDEX[i];
                if (guard) {
                    INDEX_PROBE.index(i);
                }
            }
            return sum;
        }
    }

    /** One loop of {@value #LOOP} firings. */
    @Benchmark
    public long loop(Loop state) {
        return state.looping.run();
    }
}
