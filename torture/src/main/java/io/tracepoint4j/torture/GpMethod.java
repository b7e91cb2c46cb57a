package io.tracepoint4j.torture;

/**
 * The ways an updater waits for the grace period that makes a retired object unreachable; updaters
 * take them in turn, so every one is tortured in every run.
 */
enum GpMethod {
    /** {@code synchronize()}, then the updater ages its pipeline. */
    SYNCHRONIZE("synchronize"),
    /** {@code synchronizeExpedited()}, then the updater ages its pipeline. */
    EXPEDITED("expedited"),
    /** {@code call(cb)}: the callback ages the object and queues itself again until it is freed. */
    CALL("call"),
    /** {@code startPoll()} or {@code state()}, a {@code pollState(cookie)} loop, then aging. */
    POLL("poll");

    private final String label;

    GpMethod(String label) {
        this.label = label;
    }

    /** The name used on the command line and in reports. */
    String label() {
        return label;
    }
}
