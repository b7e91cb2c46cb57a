package io.tracepoint4j.testplugin;

/** A prototype that refers to nothing of tracepoint4j: loadable where tracepoint4j is not visible. */
public interface Standalone {
    void ev(long x);
}
