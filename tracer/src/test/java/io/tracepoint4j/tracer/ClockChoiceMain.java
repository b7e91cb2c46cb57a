package io.tracepoint4j.tracer;

/**
 * Run by {@link TraceClockTest} in a JVM without native access: prints the clock sessions would
 * use and why the counter is unavailable. JDK only on its class path besides the tracer.
 */
public final class ClockChoiceMain {
    private ClockChoiceMain() {}

    public static void main(String[] args) {
        System.out.println("best: " + TraceClock.best().name());
        try {
            TraceClock.timeStampCounter();
            System.out.println("counter: available");
        } catch (UnsupportedOperationException e) {
            System.out.println("counter: " + e.getMessage());
        }
    }
}
