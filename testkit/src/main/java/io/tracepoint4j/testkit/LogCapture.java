package io.tracepoint4j.testkit;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Collects, while open, every record a logger and its children publish through java.util.logging
 * (which backs System.Logger in these tests), and keeps them out of the build output.
 */
public final class LogCapture implements AutoCloseable {
    private static final SimpleFormatter FORMATTER = new SimpleFormatter();

    private final Logger logger; // strong reference: JUL loggers are weakly held
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Level previousLevel;
    private final boolean previousUseParentHandlers;
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    /** Starts capturing what {@code loggerName} and the loggers below it publish, at every level. */
    public LogCapture(String loggerName) {
        logger = Logger.getLogger(loggerName);
        previousLevel = logger.getLevel();
        previousUseParentHandlers = logger.getUseParentHandlers();
        handler.setLevel(Level.ALL);
        logger.addHandler(handler);
        logger.setLevel(Level.ALL);
        logger.setUseParentHandlers(false); // the expected warnings stay out of the build output
    }

    /** Every record, at any level, whose formatted message contains {@code needle}. */
    public List<LogRecord> containing(String needle) {
        return records.stream()
                .filter(r -> FORMATTER.formatMessage(r).contains(needle))
                .toList();
    }

    /** The text of every record at WARNING or above that contains {@code needle}. */
    public List<String> warningsContaining(String needle) {
        return records.stream()
                .filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                .map(LogCapture::text)
                .filter(t -> t.contains(needle))
                .toList();
    }

    /** Every record's level, logger and text, for failure messages. */
    public List<String> all() {
        return records.stream()
                .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + text(r))
                .toList();
    }

    /** The formatted message plus the stack trace of an attached throwable, if any. */
    private static String text(LogRecord r) {
        StringBuilder sb = new StringBuilder(FORMATTER.formatMessage(r));
        if (r.getThrown() != null) {
            StringWriter w = new StringWriter();
            r.getThrown().printStackTrace(new PrintWriter(w));
            sb.append('\n').append(w);
        }
        return sb.toString();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setLevel(previousLevel);
        logger.setUseParentHandlers(previousUseParentHandlers);
    }
}
