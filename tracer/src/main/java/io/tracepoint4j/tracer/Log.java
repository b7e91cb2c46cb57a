package io.tracepoint4j.tracer;

/**
 * The tracer's logger, {@code System.Logger} "io.tracepoint4j.tracer", looked up at its first use
 * (the lookup starts a logging backend, about 10 ms): warnings that the application must see, as
 * a trace that cannot be written.
 */
final class Log {
    private Log() {}

    static System.Logger get() {
        return Holder.LOGGER;
    }

    private static final class Holder {
        static final System.Logger LOGGER = System.getLogger("io.tracepoint4j.tracer");
    }
}
