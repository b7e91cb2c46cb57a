package io.tracepoint4j.otel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.tracepoint4j.Tracepoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sampling, the rate limit and unmatched span ends, with the SDK's in-memory exporters and metric
 * reader: every firing is sent on or counted by reason, exactly, and the counts are a metric.
 */
class OtelBridgeLimitsTest {
    public interface Hot {
        void hot(int n);
    }

    public interface Mark {
        void mark();
    }

    static final Tracepoint<Hot> HOT = Tracepoint.define("otellimit:hot", Hot.class, "n");
    static final Tracepoint<Mark> OPEN = Tracepoint.define("otellimit:open", Mark.class);
    static final Tracepoint<Mark> CLOSE = Tracepoint.define("otellimit:close", Mark.class);
    static final Tracepoint<Mark> CALL = Tracepoint.define("otellimit:call", Mark.class);
    static final Tracepoint<Mark> RETURN = Tracepoint.define("otellimit:return", Mark.class);

    private final InMemoryLogRecordExporter logs = InMemoryLogRecordExporter.create();
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private OpenTelemetrySdk sdk;

    @BeforeEach
    void sdk() {
        sdk = OpenTelemetrySdk.builder()
                .setLoggerProvider(SdkLoggerProvider.builder()
                        .addLogRecordProcessor(SimpleLogRecordProcessor.create(logs))
                        .build())
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(spans))
                        .build())
                .setMeterProvider(
                        SdkMeterProvider.builder().registerMetricReader(metrics).build())
                .build();
    }

    @AfterEach
    void shutdown() {
        sdk.close();
    }

    @Test
    void theRateLimitSendsAtMostItsRateAndCountsTheRestAsAMetric() {
        try (OtelBridge bridge = OtelBridge.builder()
                .openTelemetry(sdk)
                .events(HOT.name())
                .rateLimit(100)
                .start()) {
            for (int n = 0; n < 1000; n++) {
                HOT.fire().hot(n);
            }
            assertThat(bridge.sent() + bridge.rateLimited()).isEqualTo(1000);
            assertThat(bridge.sent())
                    .as("one window, or two if a second began meanwhile")
                    .isBetween(100L, 200L);
            assertThat(logs.getFinishedLogRecordItems()).hasSize((int) bridge.sent());
            assertThat(refused()).containsEntry("rate_limited", bridge.rateLimited());
        }
    }

    @Test
    void samplingSendsAboutItsShareAndCountsTheRest() {
        try (OtelBridge bridge = OtelBridge.builder()
                .openTelemetry(sdk)
                .events(HOT.name())
                .sampleRatio(0.25)
                .start()) {
            for (int n = 0; n < 4000; n++) {
                HOT.fire().hot(n);
            }
            assertThat(bridge.sent() + bridge.sampledOut()).isEqualTo(4000);
            assertThat(bridge.sent()).isBetween(700L, 1300L); // 1000 expected; 10 standard deviations off is never
            assertThat(logs.getFinishedLogRecordItems()).hasSize((int) bridge.sent());
            assertThat(refused()).containsEntry("sampled_out", bridge.sampledOut());
        }
    }

    @Test
    void pairsNestPerThreadAndAnUnmatchedEndIsCounted() {
        try (OtelBridge bridge = OtelBridge.builder()
                .openTelemetry(sdk)
                .span("outer-or-inner", OPEN.name(), CLOSE.name())
                .start()) {
            CLOSE.fire().mark(); // nothing open
            OPEN.fire().mark();
            OPEN.fire().mark();
            CLOSE.fire().mark(); // ends the inner
            CLOSE.fire().mark(); // ends the outer
            assertThat(bridge.unmatchedEnds()).isEqualTo(1);
            assertThat(refused()).containsEntry("unmatched_end", 1L);
        }
        assertThat(spans.getFinishedSpanItems()).hasSize(2);
        var inner = spans.getFinishedSpanItems().get(0);
        var outer = spans.getFinishedSpanItems().get(1);
        assertThat(inner.getParentSpanId())
                .as("the inner span is the outer one's child")
                .isEqualTo(outer.getSpanId());
        assertThat(inner.getTraceId()).isEqualTo(outer.getTraceId());
        assertThat(outer.getParentSpanContext().isValid())
                .as("no span was current: a root")
                .isFalse();
        assertThat(inner.getStartEpochNanos()).isGreaterThanOrEqualTo(outer.getStartEpochNanos());
        assertThat(inner.getEndEpochNanos()).isLessThanOrEqualTo(outer.getEndEpochNanos());
    }

    /**
     * A span of one pair begun inside another pair's open span is its child, and an event fired
     * inside a bridged span belongs to it: the backend shows the nesting. Ends out of order end
     * their own pair's span.
     */
    @Test
    void spansOfOnePairInsideAnothersAreItsChildrenAndEventsInsideBelongToThem() {
        try (OtelBridge bridge = OtelBridge.builder()
                .openTelemetry(sdk)
                .span("request", OPEN.name(), CLOSE.name())
                .span("call", CALL.name(), RETURN.name())
                .events(HOT.name())
                .start()) {
            OPEN.fire().mark();
            CALL.fire().mark();
            HOT.fire().hot(1); // inside call
            RETURN.fire().mark();
            HOT.fire().hot(2); // inside request
            CALL.fire().mark();
            CLOSE.fire().mark(); // out of order: ends request, call stays open
            RETURN.fire().mark();
            assertThat(bridge.unmatchedEnds()).isZero();
        }
        Map<String, List<io.opentelemetry.sdk.trace.data.SpanData>> byName = new HashMap<>();
        for (var span : spans.getFinishedSpanItems()) {
            byName.computeIfAbsent(span.getName(), k -> new java.util.ArrayList<>())
                    .add(span);
        }
        var request = byName.get("request").getFirst();
        assertThat(byName.get("call"))
                .hasSize(2)
                .allSatisfy(call -> assertThat(call.getParentSpanId()).isEqualTo(request.getSpanId()));
        var events = logs.getFinishedLogRecordItems();
        assertThat(events).hasSize(2);
        assertThat(events.get(0).getSpanContext().getSpanId())
                .as("the event fired inside call")
                .isEqualTo(byName.get("call").getFirst().getSpanId());
        assertThat(events.get(1).getSpanContext().getSpanId())
                .as("the event fired inside request only")
                .isEqualTo(request.getSpanId());
    }

    @Test
    void aBuilderWithNothingToBridgeOrBadLimitsIsRefusedWithTheFix() {
        assertThatThrownBy(() -> OtelBridge.builder().openTelemetry(sdk).start())
                .hasMessageContaining("call events(...) or span(...)");
        assertThatThrownBy(() -> OtelBridge.builder().sampleRatio(0)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> OtelBridge.builder().rateLimit(0)).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> OtelBridge.builder().span("s", "a:b", "a:b")).hasMessageContaining("two different");
        assertThatThrownBy(() -> OtelBridge.builder().span("s", "a:b", "a:c").span("s", "a:d", "a:e"))
                .hasMessageContaining("a span pair of that name exists");
        assertThatThrownBy(() -> OtelBridge.builder().rateLimit(1L << 40)).hasMessageContaining("at most");
        assertThatThrownBy(() -> OtelBridge.builder().span("s", "db:*", "db:call_end"))
                .hasMessageContaining("db:* is a glob; a span pair's begin and end are exact tracepoint names");
        assertThatThrownBy(() -> OtelBridge.builder().span("s", "db:call_begin", "nocolon"))
                .hasMessageContaining("matches no tracepoint");
    }

    /**
     * Without an instance: refused while no global is registered, and the global is left unset (the
     * application's own registration still works); once registered, the bridge uses it.
     */
    @Test
    void withoutAnInstanceTheBridgeTakesTheRegisteredGlobalAndRefusesWhileNoneIs() {
        io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
        try {
            assertThatThrownBy(() -> OtelBridge.builder().events(OPEN.name()).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("no OpenTelemetry is registered yet (GlobalOpenTelemetry is not set):")
                    .hasMessageContaining("or pass the SDK with openTelemetry(...)");
            assertThat(io.opentelemetry.api.GlobalOpenTelemetry.isSet())
                    .as("not fixed to the no-op")
                    .isFalse();
            io.opentelemetry.api.GlobalOpenTelemetry.set(sdk); // would throw had the bridge called get()
            try (OtelBridge bridge = OtelBridge.builder().events(OPEN.name()).start()) {
                OPEN.fire().mark();
                assertThat(bridge.sent()).isEqualTo(1);
            }
            assertThat(logs.getFinishedLogRecordItems())
                    .singleElement()
                    .satisfies(record -> assertThat(record.getEventName()).isEqualTo(OPEN.name()));
        } finally {
            io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
        }
    }

    /** close() twice: the second does nothing, and the SDK logs nothing about a metric closed twice. */
    @Test
    void closingTwiceIsQuiet() {
        try (io.tracepoint4j.testkit.LogCapture log = new io.tracepoint4j.testkit.LogCapture("io.opentelemetry")) {
            OtelBridge bridge =
                    OtelBridge.builder().openTelemetry(sdk).events(OPEN.name()).start();
            bridge.close();
            bridge.close();
            assertThat(log.all()).noneMatch(message -> message.contains("close()"));
        }
    }

    /** The last value of tracepoint4j.otel.refused, by reason. */
    private Map<String, Long> refused() {
        Map<String, Long> byReason = new HashMap<>();
        for (MetricData metric : metrics.collectAllMetrics()) {
            if (metric.getName().equals("tracepoint4j.otel.refused")) {
                for (LongPointData point : metric.getLongSumData().getPoints()) {
                    byReason.put(point.getAttributes().get(AttributeKey.stringKey("reason")), point.getValue());
                }
            }
        }
        return byReason;
    }
}
