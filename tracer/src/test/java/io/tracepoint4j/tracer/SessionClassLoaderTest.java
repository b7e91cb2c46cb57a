package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.testkit.Babeltrace;
import io.tracepoint4j.testkit.ChildFirstLoader;
import io.tracepoint4j.testkit.Waits;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running session records a plugin's tracepoint and does not keep the plugin's class loader
 * alive: once the plugin is dropped, its loader is collected while the session goes on, and the
 * session stops recording it. Shown to fail with the session holding its tracepoints strongly (the
 * loader is never collected).
 */
class SessionClassLoaderTest {
    static final String PACKAGE = "io.tracepoint4j.tracer.testplugin.";

    @Test
    void aRunningSessionLetsADroppedPluginsLoaderGo(@TempDir Path dir) throws Throwable {
        Session session = Session.builder("plugins")
                .enable("tplugin:*")
                .output(dir.resolve("trace"))
                .start();
        WeakReference<ClassLoader> dropped = deployAndWork(session);
        Waits.awaitCollected(dropped, "the plugin's loader");
        for (int i = 0; i < 100 && session.recorded().contains("tplugin:ev"); i++) {
            Thread.sleep(10); // the registry's reaper tells the session
        }
        assertThat(session.recorded()).doesNotContain("tplugin:ev");
        session.stop();
        Babeltrace.Run run = Babeltrace.run(dir.resolve("trace")).clean();
        assertThat(run.stdout().stream().filter(line -> line.contains(" tplugin:ev: ")))
                .singleElement()
                .satisfies(line -> assertThat(line).contains("x = 7"));
    }

    /**
     * A thread that recorded into a running session and ended is not kept reachable by the session
     * (nor, through it, the context class loader and task an application server's plugin thread
     * holds): not by the cache of the threads it named, nor by that of the threads refused a
     * buffer of their own. Shown to fail with either holding Thread objects.
     */
    @Test
    void aRunningSessionKeepsNoThreadThatRecordedAndEnded(@TempDir Path dir) throws Throwable {
        String provider = SessionTest.provider();
        Tracepoint<SessionTest.Tick> tick = Tracepoint.define(provider + ":tick", SessionTest.Tick.class, "n");
        Session session = Session.builder("ended")
                .enable(provider + ":*")
                .output(dir.resolve("trace"))
                .threadBuffers(1)
                .start();
        CountDownLatch claimed = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().name("holds-the-buffer").start(() -> {
            tick.fire().tick(0); // takes the one single-producer buffer
            claimed.countDown();
            SessionTest.await(done);
        });
        try {
            SessionTest.await(claimed);
            Waits.awaitCollected(
                    fireOnAThreadThatEnds(tick, Thread.ofPlatform().name("refused-a-buffer")),
                    "a platform thread refused a buffer (named in a shared one)");
            Waits.awaitCollected(
                    fireOnAThreadThatEnds(tick, Thread.ofVirtual().name("virtual")),
                    "a virtual thread (named in a shared one)");
        } finally {
            done.countDown();
            holder.join();
            session.stop();
        }
        assertThat(SessionTest.events(dir.resolve("trace"))).hasSize(3);
    }

    private static WeakReference<Thread> fireOnAThreadThatEnds(
            Tracepoint<SessionTest.Tick> tick, Thread.Builder builder) throws InterruptedException {
        Thread thread = builder.start(() -> tick.fire().tick(1));
        thread.join();
        return new WeakReference<>(thread);
    }

    /** A plugin loaded, its tracepoint recorded by the session and fired once; returns its loader, weakly. */
    private static WeakReference<ClassLoader> deployAndWork(Session session) throws Throwable {
        ClassLoader loader = new ChildFirstLoader(
                "plugin",
                SessionClassLoaderTest.class.getClassLoader(),
                PACKAGE,
                SessionClassLoaderTest.class.getClassLoader());
        Class<?> plugin = Class.forName(PACKAGE + "Plugin", true, loader);
        assertThat(session.recorded()).contains("tplugin:ev");
        MethodHandles.publicLookup()
                .findStatic(plugin, "work", MethodType.methodType(void.class, long.class))
                .invokeExact(7L);
        return new WeakReference<>(loader);
    }
}
