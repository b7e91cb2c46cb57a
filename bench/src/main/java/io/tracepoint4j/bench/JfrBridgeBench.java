package io.tracepoint4j.bench;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.jfr.JfrEvents;
import java.util.concurrent.TimeUnit;
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
 * Question: what does a firing of a tracepoint bridged to JFR ({@link JfrEvents}) cost, against a
 * static JFR event class with the same fields, each committed into a running recording; and what
 * does the bridge add to a firing when no recording runs?
 *
 * <p>One op is one event of three fields ({@code long id = 42}, {@code int status = 200}, {@code
 * String route = "/orders"}). {@code scenario}:
 *
 * <ul>
 *   <li>{@code staticEvent}: the <b>baseline</b>, a JFR event class with the three fields ({@code
 *       isEnabled()}, the fields, {@code commit()}), enabled in a running recording without stack
 *       trace and with threshold 0, to disk, at most 256 MiB kept;
 *   <li>{@code bridged}: {@code BRIDGED.fire().fire(id, status, route)}, the tracepoint bridged by
 *       {@code JfrEvents.enable("jfrbench:bridged")} into the same kind of recording;
 *   <li>{@code bridgedNoRecording}: the bridge enabled, no recording: the cost JFR's enabled check
 *       adds to the firing;
 *   <li>{@code disabledTracepoint}: the same tracepoint with no probe, for scale.
 * </ul>
 *
 * <p>How to read it: average time per event in ns; {@code bench/report --baseline
 * scenario=staticEvent} gives the ratios. Run with {@code -prof gc}: the bridge allocates its
 * event and boxes the primitives, a static event's allocation is usually removed by escape analysis.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {Jvm.NATIVE_ACCESS, Jvm.QUIET_UNSAFE})
@State(Scope.Benchmark)
public class JfrBridgeBench {
    /** The prototype of the bridged tracepoint. */
    public interface Fired {
        void fire(long id, int status, String route);
    }

    static final Tracepoint<Fired> BRIDGED =
            Tracepoint.define("jfrbench:bridged", Fired.class, "id", "status", "route");

    /** The JFR name of {@link StaticEvent}. */
    static final String STATIC_EVENT = "tracepoint4j.bench.StaticEvent";

    /** The static JFR event with the same fields. */
    @Name(STATIC_EVENT)
    @StackTrace(false)
    static final class StaticEvent extends Event {
        long id;
        int status;
        String route;
    }

    @Param({"staticEvent", "bridged", "bridgedNoRecording", "disabledTracepoint"})
    public String scenario;

    long id = 42;
    int status = 200;
    String route = "/orders";

    /** scenario == staticEvent: a field, so the op tests a boolean, the same for every scenario. */
    boolean staticEvent;

    private JfrEvents bridge;
    private Recording recording;

    @Setup(Level.Trial)
    public void setUp() {
        staticEvent = scenario.equals("staticEvent");
        if (scenario.startsWith("bridged")) {
            bridge = JfrEvents.enable(BRIDGED.name());
        }
        if (scenario.equals("staticEvent") || scenario.equals("bridged")) {
            recording = JfrRecordings.toDisk("JfrBridgeBench", STATIC_EVENT, "tracepoint4j.jfrbench.bridged");
        }
        if (!scenario.equals("staticEvent")
                && !scenario.equals("bridged")
                && !scenario.equals("bridgedNoRecording")
                && !scenario.equals("disabledTracepoint")) {
            throw new IllegalArgumentException("unknown scenario " + scenario);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (recording != null) {
            recording.close();
        }
        if (bridge != null) {
            bridge.close();
        }
    }

    @Benchmark
    public void fire() {
        if (staticEvent) { // the same branch in every op of a fork: each fork runs one scenario
            StaticEvent event = new StaticEvent();
            if (event.isEnabled()) {
                event.id = id;
                event.status = status;
                event.route = route;
                event.commit();
            }
        } else {
            BRIDGED.fire().fire(id, status, route);
        }
    }
}
