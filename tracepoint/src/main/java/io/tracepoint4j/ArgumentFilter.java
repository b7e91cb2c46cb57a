package io.tracepoint4j;

/**
 * Decides, from a firing's arguments, whether a probe runs: the predicate of a {@link
 * Tracepoint#filteredProbe(ArgumentFilter, Object) filtered probe}, for a consumer that does not know
 * the tracepoint's prototype at compile time (a tracer's filter, a counter's condition). The
 * filtered probe runs, per firing:
 *
 * <pre>{@code
 * long state = filter.begin();
 * state = filter.testString(state, 0, path);                    // every argument, with its index,
 * state = filter.testInt(state, 1, flags);                      // in the order of Tracepoint.arguments()
 * if (filter.accept(state)) probe.request(path, flags);         // the probe it guards, same arguments
 * }</pre>
 *
 * <p>The state is the filter's own value, kept in the probe's local variable: for instance one bit
 * per comparison, set as the arguments pass, and {@code accept} a boolean function of the bits. So
 * the filter keeps no per-thread state, and a nested or concurrent firing has its own.
 *
 * <p>As with {@link ArgumentWriter}, the filtered probe is generated code: each argument is passed
 * as its own type (no boxing, no {@code Object[]}), nothing is allocated, and C2 inlines the
 * filter's methods and the guarded probe into the firing. The argument index is a constant at each
 * call, so a test that switches on it folds. A filter runs as part of its probe, on the firing
 * thread, in the firing's read-side section: it must not block unless the tracepoint is faultable,
 * and a throw is the probe's failure. The test methods return the state unchanged by default: a
 * filter overrides those of the types it looks at.
 */
public interface ArgumentFilter {
    /** A firing begins; returns the first state (for example the results of tests on the thread). */
    long begin();

    /** A {@code boolean} argument, the {@code argument}-th (from 0); returns the next state. */
    default long testBoolean(long state, int argument, boolean value) {
        return state;
    }

    /** A {@code byte} argument; returns the next state. */
    default long testByte(long state, int argument, byte value) {
        return state;
    }

    /** A {@code short} argument; returns the next state. */
    default long testShort(long state, int argument, short value) {
        return state;
    }

    /** A {@code char} argument; returns the next state. */
    default long testChar(long state, int argument, char value) {
        return state;
    }

    /** An {@code int} argument; returns the next state. */
    default long testInt(long state, int argument, int value) {
        return state;
    }

    /** A {@code long} argument; returns the next state. */
    default long testLong(long state, int argument, long value) {
        return state;
    }

    /** A {@code float} argument; returns the next state. */
    default long testFloat(long state, int argument, float value) {
        return state;
    }

    /** A {@code double} argument; returns the next state. */
    default long testDouble(long state, int argument, double value) {
        return state;
    }

    /** A {@code String} argument (may be null); returns the next state. */
    default long testString(long state, int argument, String value) {
        return state;
    }

    /** A {@code byte[]} argument (may be null), the firing's own array; returns the next state. */
    default long testBytes(long state, int argument, byte[] value) {
        return state;
    }

    /** An enum argument (may be null); returns the next state. */
    default long testEnum(long state, int argument, Enum<?> value) {
        return state;
    }

    /** Every argument was tested: whether the guarded probe runs. */
    boolean accept(long state);
}
