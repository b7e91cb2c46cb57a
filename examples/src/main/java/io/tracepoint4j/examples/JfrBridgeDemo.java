package io.tracepoint4j.examples;

import io.tracepoint4j.jfr.JfrEvents;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@code ./tp demo jfr [FILE]}: the demo's tracepoints as JFR events. A bridge ({@link JfrEvents})
 * makes every firing of {@code web:*} and {@code db:*} a JFR event while a JFR recording runs; the
 * service fires 1,000 requests and queries; the recording is written to FILE (default
 * {@code tracepoint4j-demo.jfr} here) and read back; the demo prints the events per type and the
 * {@code jfr print} command that shows them. Its last line is {@code jfr events: N}.
 */
public final class JfrBridgeDemo {
    static final int REQUESTS = 1_000;

    private JfrBridgeDemo() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && (args[0].equals("-h") || args[0].equals("--help"))) {
            System.out.println("Usage: tp " + Demo.USAGE);
            return;
        }
        if (args.length > 1) {
            throw Demo.usageError("demo jfr takes one FILE, not '" + String.join(" ", args) + "'");
        }
        Path file = Path.of(args.length > 0 ? args[0] : "tracepoint4j-demo.jfr");
        boolean made = checkWritable(file); // before the demo runs, not after
        try {
            run(System.out, file);
        } catch (Exception | Error e) {
            if (made && java.nio.file.Files.size(file) == 0) {
                java.nio.file.Files.delete(file); // no empty recording left, which jfr print refuses
            }
            throw e;
        }
    }

    /**
     * Fails at once where the recording could not be written at the end: a folder there, or no
     * folder for it. Makes it readable by you alone, as the traces are, if it is new; returns
     * whether it made it.
     */
    private static boolean checkWritable(Path file) throws java.io.IOException {
        Path folder = file.toAbsolutePath().getParent();
        if (java.nio.file.Files.isDirectory(file)) {
            throw new java.nio.file.FileSystemException(file.toString(), null, "a folder is there");
        }
        if (folder != null && !java.nio.file.Files.isDirectory(folder)) {
            throw new java.nio.file.NoSuchFileException(file.toString());
        }
        if (java.nio.file.Files.notExists(file)) {
            java.nio.file.Files.createFile(
                    file,
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            return true;
        }
        return false;
    }

    /** Records the firings into {@code file}; returns the tracepoint4j events read back from it, by type. */
    static Map<String, Long> run(PrintStream out, Path file) throws Exception {
        try (JfrEvents bridge = JfrEvents.enable("web:*", "db:*");
                Recording recording = new Recording()) {
            recording.enable("tracepoint4j.web.request");
            recording.enable("tracepoint4j.db.query");
            recording.start();
            out.println("bridging web:* and db:* into a JFR recording");
            for (int i = 0; i < REQUESTS; i++) { // the service's class, loaded now, defines them: bridged at once
                TracingDemo.REQUEST.fire().request("GET", "/orders/" + i, i % 50 == 49 ? 503 : 200, 1_000L * i);
                TracingDemo.QUERY.fire().query("select * from orders where id = ?", i % 7);
            }
            out.println("bridged: " + String.join(", ", bridge.tracepoints()));
            recording.stop();
            recording.dump(file);
        }
        Map<String, Long> perType = new TreeMap<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            String type = event.getEventType().getName();
            if (type.startsWith("tracepoint4j.")) {
                perType.merge(type, 1L, Long::sum);
            }
        }
        out.println("JFR events per type in " + file.toAbsolutePath() + ":");
        long total = 0;
        for (Map.Entry<String, Long> entry : perType.entrySet()) {
            out.printf("  %-28s %,d%n", entry.getKey(), entry.getValue());
            total += entry.getValue();
        }
        out.println("see them with: jfr print --events 'tracepoint4j.*' " + file.toAbsolutePath());
        out.println("jfr events: " + total);
        return perType;
    }
}
