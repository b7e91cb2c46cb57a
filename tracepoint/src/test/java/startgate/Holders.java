package startgate;

import io.tracepoint4j.Tracepoint;

/**
 * For StartGateTest: application classes, outside tracepoint4j's packages, whose initializers
 * define the JVM's first tracepoint (each is touched alone, in a JVM of its own).
 */
public final class Holders {
    private Holders() {}

    /** The prototype. */
    public interface Ping {
        void ping(int n);
    }

    /** The prototype of a tracepoint with an enum argument. */
    public interface Paint {
        void paint(Color color);
    }

    /** An argument's enum. */
    public enum Color {
        RED
    }

    /** A plain class: its initializer may wait (the usual static final tracepoint). */
    public static final class Plain {
        public static final Tracepoint<Ping> FIRST = Tracepoint.define("gate:plain", Ping.class, "n");

        private Plain() {}
    }

    /** A plain class whose tracepoint has an enum argument: the tool initializes the enum. */
    public static final class WithEnumArgument {
        public static final Tracepoint<Paint> FIRST = Tracepoint.define("gate:paint", Paint.class, "color");

        private WithEnumArgument() {}
    }

    /** An enum whose initializer defines: the tool may initialize enums. */
    public enum Defining {
        ONE;

        public static final Tracepoint<Ping> FIRST = Tracepoint.define("gate:enum", Ping.class, "n");
    }
}
