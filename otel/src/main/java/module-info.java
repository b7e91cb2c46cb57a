/**
 * tracepoint4j into OpenTelemetry: {@link io.tracepoint4j.otel.OtelBridge} makes tracepoints'
 * firings log-based events, and begin/end pairs of tracepoints spans, through the application's
 * own {@code OpenTelemetry} instance.
 */
// OpenTelemetry's jars are automatic modules (an Automatic-Module-Name each, no descriptor)
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.tracepoint4j.otel {
    requires transitive io.tracepoint4j;
    requires transitive io.opentelemetry.api;
    requires io.opentelemetry.context;

    exports io.tracepoint4j.otel;
}
