package io.tracepoint4j.otel;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP receiver for the tests: accepts {@code POST /v1/logs} and {@code /v1/traces} on a
 * loopback port, decodes each request with the official opentelemetry-proto classes (as a collector
 * would), keeps the records and spans, and answers as a collector does.
 */
final class OtlpReceiver implements AutoCloseable {
    private final HttpServer server;
    final List<LogRecord> logs = new CopyOnWriteArrayList<>();
    final List<Span> spans = new CopyOnWriteArrayList<>();
    final List<String> problems = new CopyOnWriteArrayList<>();

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/logs", exchange -> {
            ExportLogsServiceRequest request = ExportLogsServiceRequest.parseFrom(body(exchange));
            for (ResourceLogs resource : request.getResourceLogsList()) {
                for (ScopeLogs scope : resource.getScopeLogsList()) {
                    logs.addAll(scope.getLogRecordsList());
                }
            }
            answer(exchange, ExportLogsServiceResponse.getDefaultInstance().toByteArray());
        });
        server.createContext("/v1/traces", exchange -> {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body(exchange));
            for (ResourceSpans resource : request.getResourceSpansList()) {
                for (ScopeSpans scope : resource.getScopeSpansList()) {
                    spans.addAll(scope.getSpansList());
                }
            }
            answer(exchange, ExportTraceServiceResponse.getDefaultInstance().toByteArray());
        });
        server.start();
    }

    /** The endpoint of a signal, e.g. {@code endpoint("logs")}. */
    String endpoint(String signal) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/" + signal;
    }

    private byte[] body(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())
                || !"application/x-protobuf".equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
            problems.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type"));
        }
        InputStream in = exchange.getRequestBody();
        if ("gzip".equals(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            in = new GZIPInputStream(in);
        }
        return in.readAllBytes();
    }

    private static void answer(HttpExchange exchange, byte[] response) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, response.length);
        exchange.getResponseBody().write(response);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
