package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.tracer.Session;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tp convert DIR --to chrome-json -o FILE}: the file is JSON a real parser reads, in the
 * trace-event format (instant events with name, cat, ph, s, ts, pid, tid, args; metadata events
 * naming the process and the threads), and it holds every event of the trace with its fields.
 */
class ConvertCommandTest {
    /** A prototype with a string that needs escaping in JSON. */
    public interface Request {
        void request(int status, String route, double millis);
    }

    @Test
    void aTraceBecomesChromeTraceEventJsonWithEveryEvent(@TempDir Path dir) throws Exception {
        Tracepoint<Request> request = Tracepoint.define("convert:request", Request.class, "status", "route", "millis");
        Path trace = dir.resolve("trace");
        Session session =
                Session.builder("convert").enable("convert:*").output(trace).start();
        Map<Long, String> threads = new HashMap<>();
        List<Thread> started = new ArrayList<>();
        for (String name : new String[] {"worker \"one\"", "worker-2"}) {
            Thread thread = Thread.ofPlatform().name(name).start(() -> {
                for (int i = 0; i < 50; i++) {
                    request.fire().request(200 + i, "/orders/\"" + i + "\"\n", i * 0.5);
                }
            });
            threads.put(thread.threadId(), name);
            started.add(thread);
        }
        for (Thread thread : started) {
            thread.join();
        }
        session.stop();

        Path json = dir.resolve("converted").resolve("trace.json"); // a folder made for it
        TpCommand command = TpCommand.run("convert", trace.toString(), "--to", "chrome-json", "-o", json.toString());
        assertThat(command.status()).as(command.err()).isZero();
        assertThat(command.out()).startsWith("100 events written to " + json);
        assertThat(java.nio.file.Files.getPosixFilePermissions(json))
                .as("readable by you alone, as the trace")
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        java.nio.file.Files.setPosixFilePermissions(
                json, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(TpCommand.run("convert", trace.toString(), "--to", "chrome-json", "-o", json.toString())
                        .status())
                .isZero();
        assertThat(java.nio.file.Files.getPosixFilePermissions(json))
                .as("a file replaced, made yours alone too")
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        JsonNode events = root.get("traceEvents");
        assertThat(events.isArray()).isTrue();
        long pid = ProcessHandle.current().pid();
        List<JsonNode> instants = new ArrayList<>();
        Map<Long, String> named = new HashMap<>();
        String process = null;
        for (JsonNode event : events) {
            switch (event.get("ph").asText()) {
                case "i" -> instants.add(event);
                case "M" -> {
                    if (event.get("name").asText().equals("thread_name")) {
                        named.put(
                                event.get("tid").asLong(),
                                event.get("args").get("name").asText());
                    } else {
                        assertThat(event.get("name").asText()).isEqualTo("process_name");
                        process = event.get("args").get("name").asText();
                    }
                }
                default -> throw new AssertionError("unexpected event " + event);
            }
        }
        assertThat(instants).hasSize(100);
        assertThat(instants.getFirst().get("ts").asDouble())
                .as("the earliest event is at 0, not after the thread names")
                .isZero();
        assertThat(named).containsAllEntriesOf(threads);
        assertThat(process).isNotBlank();
        double last = 0;
        Map<Long, Integer> perThread = new HashMap<>();
        for (JsonNode event : instants) {
            assertThat(event.get("name").asText()).isEqualTo("convert:request");
            assertThat(event.get("cat").asText()).isEqualTo("convert");
            assertThat(event.get("s").asText()).isEqualTo("t");
            assertThat(event.get("pid").asLong()).isEqualTo(pid);
            double ts = event.get("ts").asDouble();
            assertThat(ts).as("microseconds, from 0, in order").isGreaterThanOrEqualTo(last);
            last = ts;
            long tid = event.get("tid").asLong();
            int n = perThread.merge(tid, 1, Integer::sum) - 1; // each thread's events in its order
            JsonNode args = event.get("args");
            assertThat(args.get("status").asInt()).isEqualTo(200 + n);
            assertThat(args.get("route").asText()).isEqualTo("/orders/\"" + n + "\"\n");
            assertThat(args.get("millis").asDouble()).isEqualTo(n * 0.5);
        }
        assertThat(perThread).containsOnlyKeys(threads.keySet());
        assertThat(root.get("displayTimeUnit").asText()).isEqualTo("ns");
        assertThat(root.get("otherData").get("start").asText()).endsWith("Z");
    }

    @Test
    void anUnknownFormatIsAUsageError(@TempDir Path dir) {
        TpCommand refused = TpCommand.run("convert", dir, "--to", "svg", "-o", dir.resolve("x"));
        assertThat(refused.status()).isEqualTo(2);
        assertThat(refused.err()).startsWith("tp convert: --to svg: the one format is chrome-json");
    }

    /** Events the tracer lost are not in the JSON: the command says how many on stderr, as tp view does. */
    @Test
    void lossesAreSaidOnStderr(@TempDir Path dir) throws Exception {
        String provider = ViewTest.provider();
        Tracepoint<ViewTest.Tick> tick = Tracepoint.define(provider + ":tick", ViewTest.Tick.class, "seq");
        Path trace = dir.resolve("t");
        Session session = ViewTest.tinyBuffers("lossy", provider, trace).start();
        for (int i = 0; i < 20_000; i++) {
            tick.fire().tick(i);
        }
        long lost = session.stop().lost();
        assertThat(lost).as("the tiny buffers lose some").isPositive();
        Path json = dir.resolve("t.json");

        TpCommand command = TpCommand.run("convert", trace, "--to", "chrome-json", "-o", json);

        assertThat(command.status()).as(command.err()).isZero();
        assertThat(command.err().strip())
                .matches("tp convert: " + java.util.regex.Pattern.quote(trace.toString()) + ": the tracer lost \\d+"
                        + " events? and 0 packets, not in " + java.util.regex.Pattern.quote(json.toString())
                        + " \\(bigger session buffers keep them\\)");
    }
}
