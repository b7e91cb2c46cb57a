package io.tracepoint4j.bench;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.otel.OtelBridge;
import java.time.Instant;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * Question: what does a tracepoint bridged to OpenTelemetry ({@link OtelBridge}) cost per firing,
 * against the application emitting the same event through the OpenTelemetry API itself, and what
 * does a firing the rate limit refuses cost?
 *
 * <p>One op is one event of three attributes ({@code long id = 42}, {@code int status = 200},
 * {@code String route = "/orders"}) into the OpenTelemetry SDK, whose one processor hands each record
 * to an exporter that counts it and drops it (what the SDK does before the network). {@code
 * scenario}:
 *
 * <ul>
 *   <li>{@code otelEvent}: the <b>baseline</b>, the event emitted by hand: {@code
 *       logRecordBuilder().setEventName(...).setTimestamp(...).setContext(...)}, the three
 *       attributes plus {@code thread.id} and {@code thread.name} (what the bridge sets), {@code
 *       emit()};
 *   <li>{@code bridged}: {@code BRIDGED.fire().fire(id, status, route)}, the tracepoint bridged by
 *       {@code OtelBridge.builder().events("otelbench:bridged")};
 *   <li>{@code rateLimited}: the same bridge with a rate limit of one firing a second: nearly every
 *       firing is refused and counted;
 *   <li>{@code disabledTracepoint}: the tracepoint with no probe, for scale.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {Jvm.NATIVE_ACCESS, Jvm.QUIET_UNSAFE})
@State(Scope.Benchmark)
public class OtelBridgeBench {
    /** The prototype of the bridged tracepoint. */
    public interface Fired {
        void fire(long id, int status, String route);
    }

    static final Tracepoint<Fired> BRIDGED =
            Tracepoint.define("otelbench:bridged", Fired.class, "id", "status", "route");

    static final AttributeKey<Long> ID = AttributeKey.longKey("id");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("status");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("route");
    static final AttributeKey<Long> THREAD_ID = AttributeKey.longKey("thread.id");
    static final AttributeKey<String> THREAD_NAME = AttributeKey.stringKey("thread.name");

    @Param({"otelEvent", "bridged", "rateLimited", "disabledTracepoint"})
    public String scenario;

    long id = 42;
    int status = 200;
    String route = "/orders";

    /** scenario == otelEvent: a field, so the op tests a boolean, the same for every scenario. */
    boolean byHand;

    private final CountingExporter exporter = new CountingExporter();
    private OpenTelemetrySdk sdk;
    private Logger logger;
    private OtelBridge bridge;

    @Setup(Level.Trial)
    public void setUp() {
        sdk = OpenTelemetrySdk.builder()
                .setLoggerProvider(SdkLoggerProvider.builder()
                        .addLogRecordProcessor(SimpleLogRecordProcessor.create(exporter))
                        .build())
                .build();
        logger = sdk.getLogsBridge().get("bench");
        byHand = scenario.equals("otelEvent");
        switch (scenario) {
            case "bridged" ->
                bridge = OtelBridge.builder()
                        .openTelemetry(sdk)
                        .events(BRIDGED.name())
                        .start();
            case "rateLimited" ->
                bridge = OtelBridge.builder()
                        .openTelemetry(sdk)
                        .events(BRIDGED.name())
                        .rateLimit(1)
                        .start();
            case "otelEvent", "disabledTracepoint" -> {}
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (bridge != null) {
            System.out.println("# bridge: sent " + bridge.sent() + ", rate-limited " + bridge.rateLimited()
                    + "; exported " + exporter.records.sum());
            bridge.close();
        }
        sdk.close();
    }

    @Benchmark
    public void fire() {
        if (byHand) { // the same branch in every op of a fork: each fork runs one scenario
            Thread thread = Thread.currentThread();
            logger.logRecordBuilder()
                    .setEventName("otelbench:bridged")
                    .setTimestamp(Instant.now())
                    .setContext(Context.current())
                    .setAttribute(THREAD_ID, thread.threadId())
                    .setAttribute(THREAD_NAME, thread.getName())
                    .setAttribute(ID, id)
                    .setAttribute(STATUS, (long) status)
                    .setAttribute(ROUTE, route)
                    .emit();
        } else {
            BRIDGED.fire().fire(id, status, route);
        }
    }

    /** Counts and drops the records: the SDK's work up to the network, and no more. */
    static final class CountingExporter implements LogRecordExporter {
        final LongAdder records = new LongAdder();

        @Override
        public CompletableResultCode export(Collection<LogRecordData> logs) {
            records.add(logs.size());
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
