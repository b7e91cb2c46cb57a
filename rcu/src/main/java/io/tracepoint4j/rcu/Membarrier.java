package io.tracepoint4j.rcu;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * The Linux {@code membarrier(2)} system call through FFM: {@code MEMBARRIER_CMD_PRIVATE_EXPEDITED}
 * makes every CPU that runs a thread of this process execute a full memory barrier before the call
 * returns. Registered once, in {@link #probe()}; {@link ReadSideBarrier} decides whether to use it.
 */
@SuppressWarnings("restricted") // the point of this class: native access, enabled by the launcher
final class Membarrier {
    /*
     * Memory ordering
     *   [MF] privateExpedited() ends with a full fence of the caller's own. The kernel already
     *        executes one on the calling CPU, but the Java Memory Model knows nothing of a system
     *        call; the explicit fence orders the caller's accesses around the barrier for the JIT
     *        too. It is cheap beside the system call.
     */

    static final class Availability {
        private final boolean available;
        private final String description;
        /** Unavailable only because the launcher denied native access: the user can fix it. */
        private final boolean nativeAccessDenied;

        Availability(boolean available, String description) {
            this(available, description, false);
        }

        Availability(boolean available, String description, boolean nativeAccessDenied) {
            this.available = available;
            this.description = description;
            this.nativeAccessDenied = nativeAccessDenied;
        }

        boolean nativeAccessDenied() {
            return nativeAccessDenied;
        }

        boolean available() {
            return available;
        }

        String description() {
            return description;
        }
    }

    private static final int CMD_QUERY = 0;
    private static final int CMD_PRIVATE_EXPEDITED = 1 << 3;
    private static final int CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;

    /** {@code long syscall(long number, ...)} called as (number, int cmd, int flags, int cpu). */
    private static final MethodHandle SYSCALL;

    private static final long SYS_MEMBARRIER;
    private static final Availability AVAILABILITY;

    static {
        MethodHandle syscall = null;
        long number = syscallNumber(System.getProperty("os.arch", "").toLowerCase(Locale.ROOT));
        Availability availability;
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            availability = new Availability(false, "not Linux (" + System.getProperty("os.name") + ")");
        } else if (number < 0) {
            availability = new Availability(false, "no membarrier syscall number for " + System.getProperty("os.arch"));
        } else {
            try {
                Linker linker = Linker.nativeLinker();
                MemorySegment symbol = linker.defaultLookup().find("syscall").orElse(null);
                if (symbol == null) {
                    throw new UnsupportedOperationException("libc has no syscall()");
                }
                FunctionDescriptor descriptor =
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT);
                syscall = linker.downcallHandle(symbol, descriptor, Linker.Option.firstVariadicArg(1));
                availability = register(linker, symbol, descriptor, number);
            } catch (IllegalCallerException e) { // --illegal-native-access=deny, and not enabled for us
                availability = new Availability(
                        false,
                        "native access is denied to " + describeModule() + " (" + e.getMessage() + "); enable it"
                                + " with --enable-native-access=io.tracepoint4j.rcu (module path) or"
                                + " --enable-native-access=ALL-UNNAMED (class path)",
                        true);
            } catch (Throwable t) { // no linker for this platform, ...
                availability = new Availability(false, t.getClass().getSimpleName() + ": " + t.getMessage());
            }
        }
        SYSCALL = syscall;
        SYS_MEMBARRIER = number;
        AVAILABILITY = availability;
    }

    private Membarrier() {}

    private static String describeModule() {
        Module module = Membarrier.class.getModule();
        return module.isNamed() ? "module " + module.getName() : "the class path (the unnamed module)";
    }

    static Availability probe() {
        return AVAILABILITY;
    }

    /**
     * Forces a full memory barrier on every CPU running a thread of this process. Only valid when
     * {@link #probe()} said available.
     */
    static void privateExpedited() {
        long result;
        try {
            result = (long) SYSCALL.invokeExact(SYS_MEMBARRIER, CMD_PRIVATE_EXPEDITED, 0, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("membarrier(PRIVATE_EXPEDITED) failed", t);
        }
        if (result != 0) {
            // Cannot happen once registration succeeded; a grace period without the barrier would be
            // too short, so refuse loudly rather than continue.
            throw new IllegalStateException("membarrier(PRIVATE_EXPEDITED) returned " + result);
        }
        VarHandle.fullFence(); // [MF] the caller's own full fence: membarrier's, made explicit for the JMM
    }

    private static Availability register(
            Linker linker, MemorySegment symbol, FunctionDescriptor descriptor, long number) throws Throwable {
        StructLayout callState = Linker.Option.captureStateLayout();
        VarHandle errnoHandle = callState.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        MethodHandle withErrno = linker.downcallHandle(
                symbol, descriptor, Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(callState);
            long supported = (long) withErrno.invokeExact(state, number, CMD_QUERY, 0, 0);
            if (supported < 0) {
                return new Availability(false, "membarrier QUERY failed, errno " + (int) errnoHandle.get(state, 0L));
            }
            if ((supported & CMD_PRIVATE_EXPEDITED) == 0) {
                return new Availability(false, "kernel lacks MEMBARRIER_CMD_PRIVATE_EXPEDITED");
            }
            long registered = (long) withErrno.invokeExact(state, number, CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
            if (registered != 0) {
                return new Availability(
                        false,
                        "membarrier REGISTER_PRIVATE_EXPEDITED failed, errno " + (int) errnoHandle.get(state, 0L));
            }
        }
        return new Availability(true, "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), syscall " + number);
    }

    private static long syscallNumber(String arch) {
        return switch (arch) {
            case "amd64", "x86_64" -> 324;
            case "aarch64", "arm64", "riscv64", "loongarch64" -> 283;
            default -> -1;
        };
    }
}
