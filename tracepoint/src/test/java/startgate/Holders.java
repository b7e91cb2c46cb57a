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

    /** A plain class whose tracepoint has an enum argument: the tool initializes the enum, this thread first. */
    public static final class WithEnumArgument {
        public static final Tracepoint<Paint> FIRST = Tracepoint.define("gate:paint", Paint.class, "color");

        private WithEnumArgument() {}
    }

    /** The prototype of a tracepoint with an enum argument whose initializer needs its holder. */
    public interface Shaded {
        void shade(Shade shade);
    }

    /** An argument's enum whose initializer reads the class that defines the tracepoint. */
    public enum Shade {
        DARK;

        static final String OF = WithEnumNeedingItsHolder.NAME;
    }

    /**
     * A plain class whose tracepoint's enum argument needs this class initialized: the tool's
     * thread initializing the enum would wait for this class, whose initializer waits for the tool.
     */
    public static final class WithEnumNeedingItsHolder {
        static final String NAME = String.valueOf("holder"); // not a constant: reading it initializes the class
        public static final Tracepoint<Shaded> FIRST = Tracepoint.define("gate:shade", Shaded.class, "shade");

        private WithEnumNeedingItsHolder() {}
    }

    /** An enum whose initializer defines: the tool may initialize enums. */
    public enum Defining {
        ONE;

        public static final Tracepoint<Ping> FIRST = Tracepoint.define("gate:enum", Ping.class, "n");
    }
}
