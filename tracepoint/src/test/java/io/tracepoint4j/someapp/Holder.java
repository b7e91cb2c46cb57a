package io.tracepoint4j.someapp;

import io.tracepoint4j.Tracepoint;
import startgate.Holders;

/**
 * For StartGateTest: an application class in a package below io.tracepoint4j that is not the
 * library's (as the examples' io.tracepoint4j.examples), whose initializer defines the first
 * tracepoint: it waits for the tool as any application's does.
 */
public final class Holder {
    public static final Tracepoint<Holders.Ping> FIRST = Tracepoint.define("gate:application", Holders.Ping.class, "n");

    private Holder() {}
}
