package io.tracepoint4j.otel;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.metrics.ObservableLongCounter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.trace.Tracer;
import io.tracepoint4j.ArgumentWriter;
import io.tracepoint4j.Attachments;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.Tracepoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Tracepoints into OpenTelemetry, the engine fleets already run: each firing of an enabled
 * tracepoint becomes a log-based event, and a pair of tracepoints declared as begin and end becomes
 * a span, through the application's own {@link OpenTelemetry} instance, so its SDK, processors and
 * exporters apply.
 *
 * <pre>{@code
 * OtelBridge bridge = OtelBridge.builder()
 *         .openTelemetry(openTelemetry)           // default: the global one, once registered
 *         .events("web:*", "db:query")            // each firing: an event named after the tracepoint
 *         .span("db.call", "db:call_begin", "db:call_end")
 *         .sampleRatio(0.1)                       // keep one firing in ten
 *         .rateLimit(1_000)                       // and at most 1,000 a second
 *         .start();
 * ...
 * bridge.close();
 * }</pre>
 *
 * <p>An event ({@code LogRecordBuilder.setEventName}, the convention that replaces span events) has
 * one attribute per argument, named after it ({@code long} for integers, {@code double} for
 * floating point, {@code boolean}, {@code string} for strings, chars and enums; a {@code byte[]}
 * becomes its length), plus {@code thread.id} and {@code thread.name}, and the span context
 * current on the firing thread, so a backend shows it inside the request's trace.
 *
 * <p>Sampling and the rate limit apply to every event and span of the bridge, each decided on its
 * own (a tracepoint that is both an event and a span's begin is decided twice per firing, once
 * for each); what they refuse is counted ({@link #sampledOut()}, {@link #rateLimited()}), and
 * reported as the OpenTelemetry metric {@code tracepoint4j.otel.refused} (attribute {@code
 * reason}): never dropped silently.
 *
 * <p>Tracepoints defined after {@link Builder#start()} that match are bridged as they are defined;
 * the probes are kept attached by {@link Attachments}, which never keeps a plugin's class loader
 * alive. Thread safety: {@link #close()} may be called from any thread; it detaches the probes and
 * returns once none runs.
 */
public final class OtelBridge implements AutoCloseable {
    /** The instrumentation scope of the bridge's loggers, tracers and meters. */
    public static final String SCOPE = "io.tracepoint4j.otel";

    private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");

    private final List<String> eventGlobs;
    /** The span pairs, by begin and by end tracepoint name. */
    private final Map<String, SpanPair> pairsByBegin;

    private final Map<String, SpanPair> pairsByEnd;
    private final Logger logger;
    private final Admission admission;
    /** The spans open on each thread, across the pairs: the parents of spans and events fired inside them. */
    private final ThreadSpans threadSpans;

    private final ObservableLongCounter refusedMetric;
    /** Whether close() closed the refusal metric. Guarded by this. */
    private boolean closed;

    private final Attachments attachments;

    private OtelBridge(Builder builder, OpenTelemetry openTelemetry) {
        this.eventGlobs = List.copyOf(builder.eventGlobs);
        this.logger = openTelemetry.getLogsBridge().get(SCOPE);
        this.admission = new Admission(builder.sampleRatio, builder.perSecond);
        Tracer tracer = openTelemetry.getTracer(SCOPE);
        this.threadSpans = new ThreadSpans(builder.spans.size());
        Map<String, SpanPair> byBegin = new HashMap<>();
        Map<String, SpanPair> byEnd = new HashMap<>();
        int index = 0;
        for (Map.Entry<String, String[]> pair : builder.spans.entrySet()) {
            SpanPair spans = new SpanPair(pair.getKey(), tracer, admission, threadSpans, index++);
            byBegin.put(pair.getValue()[0], spans);
            byEnd.put(pair.getValue()[1], spans);
        }
        this.pairsByBegin = Map.copyOf(byBegin);
        this.pairsByEnd = Map.copyOf(byEnd);
        this.refusedMetric = openTelemetry
                .getMeter(SCOPE)
                .counterBuilder("tracepoint4j.otel.refused")
                .setDescription("Tracepoint firings the tracepoint4j bridge did not send on, by reason")
                .setUnit("{firing}")
                .buildWithCallback(new Consumer<ObservableLongMeasurement>() {
                    @Override
                    public void accept(ObservableLongMeasurement measurement) {
                        measurement.record(admission.sampledOut(), Attributes.of(REASON, "sampled_out"));
                        measurement.record(admission.rateLimited(), Attributes.of(REASON, "rate_limited"));
                        measurement.record(unmatchedEnds(), Attributes.of(REASON, "unmatched_end"));
                        measurement.record(tooDeep(), Attributes.of(REASON, "too_deep"));
                    }
                });
        // last: from here on, tracepoints being defined on other threads may ask writers()
        this.attachments = Attachments.start(this::writers);
    }

    /** A builder: name at least one event glob or span pair. */
    public static Builder builder() {
        return new Builder();
    }

    /** Events emitted and spans started (a span counts once, at its begin). */
    public long sent() {
        return admission.sent();
    }

    /** Events and span begins refused by the sampling ratio. */
    public long sampledOut() {
        return admission.sampledOut();
    }

    /** Events and span begins refused by the rate limit. */
    public long rateLimited() {
        return admission.rateLimited();
    }

    /** Firings of an end tracepoint with no span of its pair open on the thread. */
    public long unmatchedEnds() {
        long total = 0;
        for (SpanPair pair : pairsByBegin.values()) {
            total += pair.unmatchedEnds();
        }
        return total;
    }

    /** Firings of a begin tracepoint past {@value ThreadSpans#MAX_OPEN} spans of the bridge open on the thread. */
    public long tooDeep() {
        long total = 0;
        for (SpanPair pair : pairsByBegin.values()) {
            total += pair.tooDeep();
        }
        return total;
    }

    /** The names of the tracepoints bridged now, sorted. */
    public List<String> tracepoints() {
        return attachments.tracepoints();
    }

    /**
     * Stops bridging: detaches every probe and returns once none runs, so nothing is emitted after
     * it; spans still open stay open (they are not ended). Unregisters the refusal metric.
     * Idempotent.
     *
     * @throws IllegalStateException if called from a probe (it waits for probes to finish)
     */
    @Override
    public void close() {
        attachments.close(); // idempotent, and waits for a concurrent close's probes too
        synchronized (this) {
            if (closed) {
                return; // the SDK warns about a metric callback closed twice
            }
            closed = true;
        }
        refusedMetric.close();
    }

    /** The writers for {@code tracepoint}: an event's if a glob matches, a span pair's begin or end. */
    private List<ArgumentWriter> writers(Tracepoint<?> tracepoint) {
        List<ArgumentWriter> writers = new ArrayList<>(2);
        for (String glob : eventGlobs) {
            if (Tracepoints.matches(glob, tracepoint.name())) {
                writers.add(new EventWriter(tracepoint, logger, admission, threadSpans));
                break;
            }
        }
        SpanPair begun = pairsByBegin.get(tracepoint.name());
        if (begun != null) {
            writers.add(begun.beginWriter(tracepoint));
        }
        SpanPair ended = pairsByEnd.get(tracepoint.name());
        if (ended != null) {
            writers.add(ended.endWriter(tracepoint));
        }
        return writers;
    }

    /** What to bridge, and how much. */
    public static final class Builder {
        private OpenTelemetry openTelemetry;
        private final List<String> eventGlobs = new ArrayList<>();
        private final Map<String, String[]> spans = new LinkedHashMap<>();
        private double sampleRatio = 1.0;
        private long perSecond = Long.MAX_VALUE;

        private Builder() {}

        /**
         * The instance whose SDK receives the events and spans; default the one registered as
         * {@link GlobalOpenTelemetry} (see {@link #start()}).
         */
        public Builder openTelemetry(OpenTelemetry openTelemetry) {
            if (openTelemetry == null) {
                throw new IllegalArgumentException("openTelemetry is null; leave it out for GlobalOpenTelemetry");
            }
            this.openTelemetry = openTelemetry;
            return this;
        }

        /** Makes each firing of the tracepoints matching {@code globs} an event. */
        public Builder events(String... globs) {
            for (String glob : globs) {
                eventGlobs.add(Tracepoints.checkGlob(glob));
            }
            return this;
        }

        /**
         * Makes each firing of tracepoint {@code begin} start a span named {@code spanName}, which the
         * next firing of {@code end} on the same thread ends (exact tracepoint names).
         */
        public Builder span(String spanName, String begin, String end) {
            if (spanName == null || spanName.isEmpty() || begin == null || end == null || begin.equals(end)) {
                throw new IllegalArgumentException(
                        "span(" + spanName + ", " + begin + ", " + end + "): give a span name and two different"
                                + " tracepoint names, e.g. span(\"db.call\", \"db:call_begin\", \"db:call_end\")");
            }
            for (String name : new String[] {begin, end}) {
                Tracepoints.checkGlob(name); // a name any tracepoint may have
                if (name.indexOf('*') >= 0 || name.indexOf('?') >= 0) {
                    throw new IllegalArgumentException("span(" + spanName + ", " + begin + ", " + end + "): " + name
                            + " is a glob; a span pair's begin and end are exact tracepoint names");
                }
            }
            if (spans.containsKey(spanName)) {
                throw new IllegalArgumentException("span(" + spanName + ", ...): a span pair of that name exists");
            }
            for (String[] pair : spans.values()) {
                if (pair[0].equals(begin) || pair[1].equals(begin) || pair[0].equals(end) || pair[1].equals(end)) {
                    throw new IllegalArgumentException("span(" + spanName + ", ...): " + begin + " or " + end
                            + " already belongs to another span pair");
                }
            }
            spans.put(spanName, new String[] {begin, end});
            return this;
        }

        /** Sends on this share of the firings, chosen at random, in (0, 1]; default 1 (all). */
        public Builder sampleRatio(double ratio) {
            if (!(ratio > 0 && ratio <= 1)) {
                throw new IllegalArgumentException("sample ratio " + ratio + ": give a share in (0, 1], e.g. 0.1");
            }
            this.sampleRatio = ratio;
            return this;
        }

        /** Sends on at most {@code firingsPerSecond} firings a second over the whole bridge; default no limit. */
        public Builder rateLimit(long firingsPerSecond) {
            if (firingsPerSecond <= 0 || firingsPerSecond > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("rate limit " + firingsPerSecond + ": give at least 1 a second, and"
                        + " at most " + Integer.MAX_VALUE);
            }
            this.perSecond = firingsPerSecond;
            return this;
        }

        /**
         * Attaches to the matching tracepoints, now and as they are defined. Without {@link
         * #openTelemetry}, the bridge takes the instance registered as {@link GlobalOpenTelemetry}
         * (by the OpenTelemetry Java agent, {@code buildAndRegisterGlobal()}, or the SDK's
         * autoconfiguration when {@code otel.java.global-autoconfigure.enabled} is true); with none
         * registered it refuses, rather than call {@link GlobalOpenTelemetry#get()}, which would
         * fix the global to the no-op: nothing would be exported, and the application's own
         * registration, later, would throw.
         *
         * @throws IllegalStateException if neither an event glob nor a span pair was given, or no
         *     instance was given and none is registered
         */
        public OtelBridge start() {
            if (eventGlobs.isEmpty() && spans.isEmpty()) {
                throw new IllegalStateException("nothing to bridge: call events(...) or span(...) first");
            }
            return new OtelBridge(this, openTelemetry != null ? openTelemetry : registered());
        }

        /** The global instance, if registered or to be autoconfigured by get(); else refused. */
        private static OpenTelemetry registered() {
            boolean set;
            try {
                set = GlobalOpenTelemetry.isSet();
            } catch (NoSuchMethodError older) { // an API before isSet() (1.57): get() would fix the no-op
                throw new IllegalStateException(
                        "the OpenTelemetry API on the class path predates"
                                + " GlobalOpenTelemetry.isSet() (1.57): pass the SDK with openTelemetry(...), or use the"
                                + " API 1.68.0 or later, which this bridge is built against",
                        older);
            }
            if (!set && !globalAutoconfigure()) {
                throw new IllegalStateException("no OpenTelemetry is registered yet (GlobalOpenTelemetry is not set):"
                        + " start the bridge after your SDK is registered (buildAndRegisterGlobal(), or the Java"
                        + " agent), or pass the SDK with openTelemetry(...)");
            }
            return GlobalOpenTelemetry.get();
        }

        /** Whether GlobalOpenTelemetry.get() would autoconfigure the SDK (its property, or environment variable). */
        private static boolean globalAutoconfigure() {
            String setting = System.getProperty("otel.java.global-autoconfigure.enabled");
            if (setting == null) {
                setting = System.getenv("OTEL_JAVA_GLOBAL_AUTOCONFIGURE_ENABLED");
            }
            return Boolean.parseBoolean(setting);
        }
    }
}
