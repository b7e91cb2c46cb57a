/**
 * tracepoint4j and JDK Flight Recorder, both ways: {@link io.tracepoint4j.jfr.JfrEvents} makes
 * tracepoints' firings JFR events, {@link io.tracepoint4j.jfr.JvmTracepoints} fires the JVM's own
 * JFR events (GC pauses, safepoints, ...) as tracepoints.
 */
module io.tracepoint4j.jfr {
    requires transitive io.tracepoint4j;
    requires transitive jdk.jfr;

    exports io.tracepoint4j.jfr;
}
