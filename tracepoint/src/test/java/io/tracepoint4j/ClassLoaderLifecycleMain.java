package io.tracepoint4j;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Run by {@link ClassLoaderLifecycleTest} in a fresh JVM (no other test's listener or tracepoint
 * there to keep a loader alive): plugins loaded by {@link PluginLoader}s define {@code plugin:ev},
 * a consumer attaches a probe to every tracepoint through a registry {@link Tracepoints.Listener},
 * another a writer probe through {@link Attachments}, and the loaders go away. Prints one line per check and {@code OK}, or {@code FAILED: why} and
 * exits 1. JDK and tracepoint4j only.
 */
public final class ClassLoaderLifecycleMain {
    /** A dropped loader must be collected, and its tracepoint's removal told, within this many GCs. */
    static final int MAX_GCS = 20;

    static final int REDEPLOYS = 100;

    /** The consumer: a probe on every tracepoint, removed ids, fired count; holds no tracepoint. */
    static final Set<Long> ADDED = ConcurrentHashMap.newKeySet();

    static final Set<Long> REMOVED = ConcurrentHashMap.newKeySet();
    /** Any id told twice (added or removed), or removed before added: each breaks the contract. */
    static final List<String> BROKEN = new java.util.concurrent.CopyOnWriteArrayList<>();

    static final AtomicLong FIRED = new AtomicLong();

    private ClassLoaderLifecycleMain() {}

    public static void main(String[] args) throws Throwable {
        Tracepoints.addListener(new Consumer());
        // a second consumer: writer probes on every tracepoint, kept by Attachments, which must not
        // keep a plugin's loader alive either
        Attachments writers = Attachments.start(tracepoint -> List.of(new AttachmentsTest.CountingWriter()));
        try {
            droppedLoaderIsCollectedAndItsTracepointRemoved();
            bothLoadersAliveAreListedAndLookupReturnsTheNewer();
            forgetDropsAtOnceAndUnregistersTheProbes();
            redeploysLeaveClassesMetaspaceAndRegistryFlat();
            check(awaitNoReaper(), "the registry's reaper thread ended once no plugin tracepoint was left");
            check(
                    writers.tracepoints().stream().noneMatch(name -> name.startsWith("plugin:")),
                    "the writers' attachments dropped every plugin tracepoint: " + writers.tracepoints());
            writers.close();
        } catch (AssertionError e) {
            System.out.println("FAILED: " + e.getMessage());
            System.exit(1);
        }
        System.out.println("OK");
    }

    /**
     * Whether the reaper thread, with no weakly held tracepoint left, ends within 10 s (it looks
     * every 2 s): tracepoint4j in a web application must leave no thread of its loader behind.
     */
    static boolean awaitNoReaper() throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            boolean running = false;
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                running |= thread.getName().equals("tracepoint4j-registry-reaper");
            }
            if (!running) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    static void droppedLoaderIsCollectedAndItsTracepointRemoved() throws Throwable {
        long firedBefore = FIRED.get();
        Deployed deployed = deploy("dropped");
        check(FIRED.get() == firedBefore + 1, "the consumer's probe saw the plugin's firing");
        int gcs = collect(deployed);
        check(Tracepoints.find("plugin:*").isEmpty(), "find(plugin:*) lists nothing after the loader went");
        check(Tracepoints.lookup("plugin:ev").isEmpty(), "lookup(plugin:ev) is empty after the loader went");
        System.out.println("dropped loader: collected and its tracepoint removed after " + gcs + " GC(s)");
    }

    static void bothLoadersAliveAreListedAndLookupReturnsTheNewer() throws Throwable {
        PluginLoader first = PluginLoader.belowTracepoint4j("first");
        long firstId = define(first);
        PluginLoader second = PluginLoader.belowTracepoint4j("second");
        long secondId = define(second);
        check(firstId != secondId, "two loaders' tracepoints of one name are two tracepoints");
        List<Tracepoint<?>> listed = Tracepoints.find("plugin:ev");
        check(listed.size() == 2, "find lists both alive tracepoints of plugin:ev: " + listed);
        check(listed.get(0).id() == firstId && listed.get(1).id() == secondId, "oldest first: " + listed);
        check(Tracepoints.lookup("plugin:ev").orElseThrow().id() == secondId, "lookup returns the newer");
        check(ADDED.contains(firstId) && ADDED.contains(secondId), "the listener was told of both");
        check(Tracepoints.forget(first) == 1, "forget(first) drops its one tracepoint");
        check(Tracepoints.find("plugin:ev").size() == 1, "after forget(first), one is listed");
        check(Tracepoints.forget(second) == 1, "forget(second) drops its one tracepoint");
        System.out.println("two loaders alive: both listed, lookup returns the newer");
    }

    static void forgetDropsAtOnceAndUnregistersTheProbes() throws Throwable {
        PluginLoader loader = PluginLoader.belowTracepoint4j("forgotten");
        long id = define(loader);
        Tracepoint<?> tracepoint = Tracepoints.lookup("plugin:ev").orElseThrow();
        check(tracepoint.probeCount() == 2, "both consumers attached their probes (listener, Attachments)");
        check(Tracepoints.forget(loader) == 1, "forget drops the loader's one tracepoint");
        check(REMOVED.contains(id), "the listener was told of the removal before forget returned");
        check(tracepoint.probeCount() == 0 && !tracepoint.enabled(), "forget unregistered the probes");
        Tracepoints.synchronizeUnregister();
        long fired = FIRED.get();
        work(loader, 1);
        check(FIRED.get() == fired, "a forgotten tracepoint calls no probe");
        try {
            ClassLoaderTest.register(tracepoint, ClassLoaderTest.probe(tracepoint.prototype(), new ArrayList<>()));
            throw new AssertionError("register on a forgotten tracepoint was accepted");
        } catch (IllegalStateException expected) {
            check(expected.getMessage().contains("forgotten"), "the refusal says why: " + expected.getMessage());
        }
        check(Tracepoints.forget(loader) == 0, "forget again drops nothing");
        try {
            Tracepoints.forget(ClassLoaderLifecycleMain.class.getClassLoader());
            throw new AssertionError("forget of tracepoint4j's own class loader was accepted");
        } catch (IllegalArgumentException expected) {
            check(expected.getMessage().contains("tracepoint4j's class loader"), expected.getMessage());
        }
        System.out.println("forget: removed at once, probes unregistered, new ones refused");
    }

    static void redeploysLeaveClassesMetaspaceAndRegistryFlat() throws Throwable {
        long[] classes = new long[REDEPLOYS + 1];
        long[] metaspace = new long[REDEPLOYS + 1];
        for (int cycle = 1; cycle <= REDEPLOYS; cycle++) {
            deploy("redeploy-" + cycle); // defined while the previous one may not be collected yet
            if (cycle % 10 == 0) {
                for (int i = 0; i < 3; i++) {
                    System.gc();
                }
                awaitReaper();
                classes[cycle] = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
                metaspace[cycle] = metaspaceUsed();
                int listed = Tracepoints.find("plugin:*").size();
                check(listed == 0, "after cycle " + cycle + " and GCs, plugin tracepoints listed: " + listed);
            }
        }
        long classGrowth = classes[REDEPLOYS] - classes[20];
        long metaspaceGrowth = metaspace[REDEPLOYS] - metaspace[20];
        StringBuilder series = new StringBuilder();
        for (int cycle = 10; cycle <= REDEPLOYS; cycle += 10) {
            series.append(' ')
                    .append(cycle)
                    .append(": ")
                    .append(classes[cycle])
                    .append(" classes, ")
                    .append(metaspace[cycle] / 1024)
                    .append(" KB;");
        }
        System.out.println("redeploys, after each 10th and GCs:" + series);
        // each deployment loads at least 5 classes (Plugin, Ev, the tracepoint's, the helper, a proxy)
        check(classGrowth < 40, "loaded classes grew by " + classGrowth + " over 80 redeploys");
        // -Xint (see ClassLoaderLifecycleTest): else the JIT's profiles of warming methods grow metaspace
        check(metaspaceGrowth < 16 * 1024, "metaspace grew by " + metaspaceGrowth / 1024 + " KB over 80 redeploys");
        check(
                REMOVED.equals(ADDED),
                "every added tracepoint was told removed, and no other: added " + ADDED.size() + ", removed "
                        + REMOVED.size());
        check(BROKEN.isEmpty(), "listener contract broken: " + BROKEN);
    }

    /** A deployment gone out of scope: only what cannot keep its loader alive. */
    record Deployed(WeakReference<ClassLoader> loader, long id) {}

    /**
     * A plugin loader, its class initialized (defining plugin:ev) and its tracepoint fired once, on
     * a thread whose context class loader is the plugin's, as an application server sets it: a
     * thread tracepoint4j starts then (its reaper, at the first such tracepoint) must not keep it.
     */
    private static Deployed deploy(String name) throws Throwable {
        PluginLoader loader = PluginLoader.belowTracepoint4j(name);
        Thread thread = Thread.currentThread();
        ClassLoader context = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            long id = define(loader);
            work(loader, 7);
            return new Deployed(new WeakReference<>(loader), id);
        } finally {
            thread.setContextClassLoader(context);
        }
    }

    private static long define(PluginLoader loader) throws ClassNotFoundException {
        Class.forName(PluginLoader.PACKAGE + "Plugin", true, loader);
        long id = 0;
        for (Tracepoint<?> tracepoint : Tracepoints.find("plugin:ev")) {
            if (tracepoint.prototype().getClassLoader() == loader) {
                id = tracepoint.id();
            }
        }
        check(id != 0, "plugin:ev of " + loader.getName() + " is listed");
        return id;
    }

    private static void work(PluginLoader loader, long x) throws Throwable {
        MethodHandle work = MethodHandles.publicLookup()
                .findStatic(
                        Class.forName(PluginLoader.PACKAGE + "Plugin", true, loader),
                        "work",
                        MethodType.methodType(void.class, long.class));
        work.invokeExact(x);
    }

    /** GCs until the loader is collected and its tracepoint's removal told; returns how many. */
    private static int collect(Deployed deployed) throws InterruptedException {
        for (int gcs = 1; gcs <= MAX_GCS; gcs++) {
            System.gc();
            Thread.sleep(20);
            if (deployed.loader().get() == null && REMOVED.contains(deployed.id())) {
                return gcs;
            }
        }
        throw new AssertionError("after " + MAX_GCS + " GCs, loader collected: "
                + (deployed.loader().get() == null) + ", removal told: " + REMOVED.contains(deployed.id()));
    }

    /** Gives the reaper thread time to process what the last GCs cleared. */
    private static void awaitReaper() throws InterruptedException {
        for (int i = 0; i < 100 && !REMOVED.containsAll(ADDED); i++) {
            Thread.sleep(10);
        }
    }

    private static long metaspaceUsed() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getName().equals("Metaspace")) {
                return pool.getUsage().getUsed();
            }
        }
        throw new AssertionError("no Metaspace memory pool");
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    /** Attaches a counting probe to every tracepoint and records ids only: holds no tracepoint. */
    private static final class Consumer implements Tracepoints.Listener {
        @Override
        public void added(Tracepoint<?> tracepoint) {
            if (!ADDED.add(tracepoint.id())) {
                BROKEN.add("added twice: " + tracepoint.id());
            }
            ClassLoaderTest.register(tracepoint, ClassLoaderTest.counting(tracepoint.prototype(), FIRED));
        }

        @Override
        public void removed(String name, long id) {
            if (!ADDED.contains(id)) {
                BROKEN.add("removed before added: " + id);
            }
            if (!REMOVED.add(id)) {
                BROKEN.add("removed twice: " + id);
            }
        }
    }
}
