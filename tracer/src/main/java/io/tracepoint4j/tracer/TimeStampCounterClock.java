package io.tracepoint4j.tracer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.tracepoint4j.ringbuffer.Clock;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link TraceClock#timeStampCounter()}: the CPU's time-stamp counter, read by ten bytes of x86-64
 * code that this class writes into a page of its own and calls through FFM.
 */
@SuppressWarnings("restricted") // the point of this class; only reached when native access is enabled
final class TimeStampCounterClock extends TraceClock {
    /*
     * Design note.
     *
     * Overview: Java has no API for the time-stamp counter (JFR reads it from inside the JVM). The
     *   code `lfence; rdtsc; shl rdx, 32; or rax, rdx; ret` returns it as a long: it is written into
     *   an anonymous page mapped read-write, which is then made read-execute (never both), and
     *   called as a critical downcall (no thread-state transition: the call is a few instructions
     *   that neither block nor call back). A system that forbids executable mappings (mprotect
     *   fails) gets nanoTime() instead, with the reason.
     *
     * Why lfence: rdtsc is not ordered with earlier loads, and the ring buffer's monotonicity
     *   argument reads the clock after its acquire load of the write position (RingBuffer's design
     *   note, "Time"); lfence makes rdtsc wait for earlier loads (Intel SDM, RDTSC; on AMD, lfence is
     *   dispatch-serializing on every kernel that mitigates Spectre v1).
     *
     * Why it is monotonic across threads: an invariant TSC (constant_tsc: a fixed rate; nonstop_tsc:
     *   it runs in every power state) is synchronized across the CPUs of a machine by the firmware
     *   or, in a VM, the hypervisor; TimeStampCounterClockTest reads it on two threads in causal
     *   order and checks that it never goes back.
     *
     * Unordered read: `rdtsc; shl rdx, 32; or rax, rdx; ret` at UNORDERED_AT in the same page, 7 ns
     *   cheaper here than with the lfence (TscBench-like measurement in bench/README.md), for the
     *   single-producer buffers of platform threads: a ring buffer of one writer clamps each
     *   timestamp to the last (RingBuffer's "Single producer"), so its records need no ordering
     *   of the read with earlier loads.
     *
     * Frequency: measured against System.nanoTime() over CALIBRATION_NANOS at first use.
     */

    private static final long CALIBRATION_NANOS = 20_000_000L;
    /** lfence; rdtsc; shl rdx, 32; or rax, rdx; ret */
    private static final byte[] CODE = {
        0x0f,
        (byte) 0xae,
        (byte) 0xe8,
        0x0f,
        0x31,
        0x48,
        (byte) 0xc1,
        (byte) 0xe2,
        0x20,
        0x48,
        0x09,
        (byte) 0xd0,
        (byte) 0xc3
    };

    /** rdtsc; shl rdx, 32; or rax, rdx; ret */
    private static final byte[] UNORDERED_CODE = {
        0x0f, 0x31, 0x48, (byte) 0xc1, (byte) 0xe2, 0x20, 0x48, 0x09, (byte) 0xd0, (byte) 0xc3
    };
    /** Where UNORDERED_CODE begins in the page. */
    private static final long UNORDERED_AT = 64;

    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int PROT_EXEC = 4;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final long PAGE = 4096;

    private final long frequency;

    private TimeStampCounterClock(long frequency) {
        this.frequency = frequency;
    }

    static boolean available() {
        return Holder.INSTANCE != null;
    }

    static TimeStampCounterClock instance() {
        if (Holder.INSTANCE == null) {
            throw new UnsupportedOperationException("the time-stamp counter clock is unavailable: " + Holder.REASON);
        }
        return Holder.INSTANCE;
    }

    @Override
    public long now() {
        try {
            return (long) Holder.READ.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("reading the time-stamp counter failed", t); // cannot happen once linked
        }
    }

    @Override
    Clock unordered() {
        return Unordered.INSTANCE;
    }

    /** The counter read without the lfence. A class, not a lambda: no invokedynamic here. */
    private static final class Unordered implements Clock {
        static final Unordered INSTANCE = new Unordered();

        @Override
        public long now() {
            try {
                return (long) Holder.READ_UNORDERED.invokeExact();
            } catch (Throwable t) {
                throw new IllegalStateException(
                        "reading the time-stamp counter failed", t); // cannot happen once linked
            }
        }
    }

    @Override
    public long frequency() {
        return frequency;
    }

    @Override
    public String name() {
        return "tsc";
    }

    @Override
    public String description() {
        return "the CPU's invariant time-stamp counter (lfence; rdtsc), " + frequency + " Hz measured against"
                + " System.nanoTime()";
    }

    /** Links the code and measures the frequency at first use; INSTANCE is null, with REASON, where it cannot. */
    private static final class Holder {
        static final MethodHandle READ;
        static final MethodHandle READ_UNORDERED;
        static final TimeStampCounterClock INSTANCE;
        static final String REASON;

        static {
            MethodHandle read = null;
            MethodHandle readUnordered = null;
            TimeStampCounterClock instance = null;
            String reason;
            try {
                reason = unavailableBecause();
                if (reason == null) {
                    MethodHandle[] reads = link();
                    read = reads[0];
                    readUnordered = reads[1];
                    instance = calibrate(read);
                    reason = "available";
                }
            } catch (Throwable t) { // a failed mapping or link: nanoTime() it is
                reason = t.getClass().getSimpleName() + ": " + t.getMessage();
                read = null;
                readUnordered = null;
                instance = null;
            }
            READ = read;
            READ_UNORDERED = readUnordered;
            INSTANCE = instance;
            REASON = reason;
        }
    }

    /** Null where the counter may be used, else why not. */
    private static String unavailableBecause() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "x86-64 Linux only (this is " + System.getProperty("os.name") + " on " + arch + ")";
        }
        Module module = TimeStampCounterClock.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            return "native access is not enabled for "
                    + (module.isNamed() ? "module " + module.getName() : "the class" + " path")
                    + "; add --enable-native-access=" + (module.isNamed() ? module.getName() : "ALL-UNNAMED");
        }
        Path cpuinfo = Path.of("/proc/cpuinfo");
        String flags = "";
        for (String line : Files.readAllLines(cpuinfo)) {
            if (line.startsWith("flags")) {
                flags = " " + line.substring(line.indexOf(':') + 1) + " ";
                break;
            }
        }
        if (!flags.contains(" constant_tsc ") || !flags.contains(" nonstop_tsc ")) {
            return "the CPU's time-stamp counter is not invariant (no constant_tsc and nonstop_tsc in /proc/cpuinfo)";
        }
        return null;
    }

    /** The ordered and the unordered read, linked to one page of code. */
    private static MethodHandle[] link() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle mmap = linker.downcallHandle(
                linker.defaultLookup().find("mmap").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        MethodHandle mprotect = linker.downcallHandle(
                linker.defaultLookup().find("mprotect").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        MemorySegment page = (MemorySegment)
                mmap.invokeExact(MemorySegment.NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
        if (page.address() == -1L || page.address() == 0L) {
            throw new IllegalStateException("mmap of a page for the counter's code failed");
        }
        page = page.reinterpret(PAGE); // mapped for the JVM's life: the handle below calls into it
        MemorySegment.copy(MemorySegment.ofArray(CODE), 0, page, 0, CODE.length);
        MemorySegment.copy(MemorySegment.ofArray(UNORDERED_CODE), 0, page, UNORDERED_AT, UNORDERED_CODE.length);
        int protect = (int) mprotect.invokeExact(page, PAGE, PROT_READ | PROT_EXEC);
        if (protect != 0) {
            throw new IllegalStateException("mprotect(PROT_READ | PROT_EXEC) of the counter's code failed: this system"
                    + " forbids executable mappings");
        }
        return new MethodHandle[] {
            linker.downcallHandle(page, FunctionDescriptor.of(JAVA_LONG), Linker.Option.critical(false)),
            linker.downcallHandle(
                    page.asSlice(UNORDERED_AT), FunctionDescriptor.of(JAVA_LONG), Linker.Option.critical(false))
        };
    }

    private static TimeStampCounterClock calibrate(MethodHandle read) throws Throwable {
        long[] start = sample(read);
        long until = start[1] + CALIBRATION_NANOS;
        for (long left = CALIBRATION_NANOS; left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left); // each end of the interval is a bracketed sample: sleeping is fine
        }
        long[] end = sample(read);
        long frequency = Math.round((end[0] - start[0]) * 1e9 / (end[1] - start[1]));
        return new TimeStampCounterClock(frequency);
    }

    /** A (counter, nanoTime) pair read as close together as possible: the counter between two nanoTimes. */
    private static long[] sample(MethodHandle read) throws Throwable {
        long best = Long.MAX_VALUE;
        long[] pair = new long[2];
        for (int i = 0; i < 5; i++) {
            long before = System.nanoTime();
            long tick = (long) read.invokeExact();
            long after = System.nanoTime();
            if (after - before < best) {
                best = after - before;
                pair[0] = tick;
                pair[1] = before + (after - before) / 2;
            }
        }
        return pair;
    }
}
