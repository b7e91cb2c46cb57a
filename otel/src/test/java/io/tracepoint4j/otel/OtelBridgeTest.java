package io.tracepoint4j.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.tracepoint4j.Tracepoint;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * End to end, as a fleet runs it: the OpenTelemetry SDK with its OTLP/HTTP exporters sends what the
 * bridge emits to a receiver that decodes the requests with the official opentelemetry-proto classes.
 */
class OtelBridgeTest {
    public enum Tier {
        FREE,
        PAID
    }

    public interface Request {
        void request(
                String method,
                int status,
                long nanos,
                boolean cached,
                double ratio,
                Tier tier,
                byte[] body,
                char grade);
    }

    public interface Begin {
        void begin(long orderId);
    }

    public interface End {
        void end(int status);
    }

    /** An event reported after it happened, with its time. */
    public interface Late {
        void late(long id, long endEpochNanos);
    }

    static final Tracepoint<Late> LATE = Tracepoint.builder("oteltest:request_late", Late.class)
            .arguments("id", "endEpochNanos")
            .eventTime("endEpochNanos")
            .define();
    /** A begin and an end reported late, each with its time. */
    public interface LateMark {
        void mark(long id, long epochNanos);
    }

    static final Tracepoint<LateMark> LATE_BEGIN = Tracepoint.builder("oteltest:late_begin", LateMark.class)
            .arguments("id", "epochNanos")
            .eventTime("epochNanos")
            .define();
    static final Tracepoint<LateMark> LATE_END = Tracepoint.builder("oteltest:late_end", LateMark.class)
            .arguments("id", "epochNanos")
            .eventTime("epochNanos")
            .define();
    static final Tracepoint<Request> REQUEST = Tracepoint.define(
            "oteltest:request", Request.class, "method", "status", "nanos", "cached", "ratio", "tier", "body", "grade");
    static final Tracepoint<Begin> BEGIN = Tracepoint.define("oteltest:checkout_begin", Begin.class, "orderId");
    static final Tracepoint<End> END = Tracepoint.define("oteltest:checkout_end", End.class, "status");

    @Test
    void firingsArriveAsEventsWithTheirAttributesAndSpanContextAndAPairAsASpan() throws Exception {
        String appTraceId;
        String appSpanId;
        OtelBridge bridge;
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                    .setLoggerProvider(SdkLoggerProvider.builder()
                            .addLogRecordProcessor(SimpleLogRecordProcessor.create(OtlpHttpLogRecordExporter.builder()
                                    .setEndpoint(receiver.endpoint("logs"))
                                    .build()))
                            .build())
                    .setTracerProvider(SdkTracerProvider.builder()
                            .addSpanProcessor(SimpleSpanProcessor.create(OtlpHttpSpanExporter.builder()
                                    .setEndpoint(receiver.endpoint("traces"))
                                    .build()))
                            .build())
                    .build();
            bridge = OtelBridge.builder()
                    .openTelemetry(sdk)
                    .events("oteltest:req*")
                    .span("checkout", BEGIN.name(), END.name())
                    .span("late", LATE_BEGIN.name(), LATE_END.name())
                    .start();
            assertThat(bridge.tracepoints())
                    .containsExactly(
                            "oteltest:checkout_begin",
                            "oteltest:checkout_end",
                            "oteltest:late_begin",
                            "oteltest:late_end",
                            "oteltest:request",
                            "oteltest:request_late");
            Span app = sdk.getTracer("app").spanBuilder("handle").startSpan();
            try (Scope _ = app.makeCurrent()) {
                REQUEST.fire()
                        .request(
                                "GET",
                                200,
                                6_032_750L,
                                true,
                                0.25,
                                Tier.PAID,
                                "hello".getBytes(StandardCharsets.UTF_8),
                                'A');
                BEGIN.fire().begin(42);
                END.fire().end(201);
            } finally {
                app.end();
            }
            appTraceId = app.getSpanContext().getTraceId();
            appSpanId = app.getSpanContext().getSpanId();
            REQUEST.fire().request("POST", 503, 1, false, 1.5, null, null, 'F'); // outside any span
            long happened = System.currentTimeMillis() * 1_000_000L - 1_500_000_000L; // reported 1.5 s late
            LATE.fire().late(7, happened);
            LATE_BEGIN.fire().mark(8, happened);
            LATE_END.fire().mark(8, happened + 20_000_000L);
            bridge.close();
            assertThat(sdk.shutdown().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();

            assertThat(receiver.problems).isEmpty();
            assertThat(receiver.logs).hasSize(3);
            // each record is its own request (SimpleLogRecordProcessor), so they may arrive in any order
            LogRecord inSpan = byMethod(receiver.logs, "GET");
            assertThat(inSpan.getEventName()).isEqualTo("oteltest:request");
            assertThat(attributes(inSpan.getAttributesList()))
                    .containsEntry("method", "GET")
                    .containsEntry("status", 200L)
                    .containsEntry("nanos", 6_032_750L)
                    .containsEntry("cached", true)
                    .containsEntry("ratio", 0.25)
                    .containsEntry("tier", "PAID")
                    .containsEntry("body", 5L)
                    .containsEntry("grade", "A")
                    .containsEntry("thread.id", Thread.currentThread().threadId())
                    .containsEntry("thread.name", Thread.currentThread().getName());
            assertThat(hex(inSpan.getTraceId().toByteArray())).isEqualTo(appTraceId);
            assertThat(hex(inSpan.getSpanId().toByteArray())).isEqualTo(appSpanId);
            assertThat(inSpan.getTimeUnixNano()).isPositive();

            LogRecord outside = byMethod(receiver.logs, "POST");
            assertThat(attributes(outside.getAttributesList()))
                    .containsEntry("method", "POST")
                    .containsEntry("body", -1L)
                    .doesNotContainKey("tier"); // a null string is left out
            assertThat(outside.getTraceId().isEmpty()).isTrue();

            LogRecord late = receiver.logs.stream()
                    .filter(log -> log.getEventName().equals("oteltest:request_late"))
                    .findFirst()
                    .orElseThrow();
            assertThat(late.getTimeUnixNano())
                    .as("an event that gives its time is stamped with it")
                    .isEqualTo(happened);
            assertThat(attributes(late.getAttributesList())).containsEntry("id", 7L);

            io.opentelemetry.proto.trace.v1.Span lateSpan = receiver.spans.stream()
                    .filter(s -> s.getName().equals("late"))
                    .findFirst()
                    .orElseThrow();
            assertThat(lateSpan.getStartTimeUnixNano())
                    .as("started at its begin's event time")
                    .isEqualTo(happened);
            assertThat(lateSpan.getEndTimeUnixNano())
                    .as("ended at its end's event time")
                    .isEqualTo(happened + 20_000_000L);

            io.opentelemetry.proto.trace.v1.Span checkout = receiver.spans.stream()
                    .filter(s -> s.getName().equals("checkout"))
                    .findFirst()
                    .orElseThrow();
            assertThat(hex(checkout.getTraceId().toByteArray())).isEqualTo(appTraceId);
            assertThat(hex(checkout.getParentSpanId().toByteArray())).isEqualTo(appSpanId);
            assertThat(attributes(checkout.getAttributesList()))
                    .containsEntry("orderId", 42L)
                    .containsEntry("status", 201L);
            assertThat(checkout.getEndTimeUnixNano()).isGreaterThanOrEqualTo(checkout.getStartTimeUnixNano());
        }
        assertThat(bridge.sent()).isEqualTo(5); // three events and two spans
        assertThat(BEGIN.probeCount()
                        + END.probeCount()
                        + REQUEST.probeCount()
                        + LATE.probeCount()
                        + LATE_BEGIN.probeCount()
                        + LATE_END.probeCount())
                .as("closing detaches")
                .isZero();
    }

    private static LogRecord byMethod(List<LogRecord> logs, String method) {
        return logs.stream()
                .filter(log -> method.equals(attributes(log.getAttributesList()).get("method")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no event with method " + method + " in " + logs));
    }

    static Map<String, Object> attributes(List<KeyValue> attributes) {
        return attributes.stream().collect(Collectors.toMap(KeyValue::getKey, kv -> value(kv.getValue())));
    }

    private static Object value(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> value.getIntValue();
            case DOUBLE_VALUE -> value.getDoubleValue();
            case BOOL_VALUE -> value.getBoolValue();
            default -> value.toString();
        };
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
