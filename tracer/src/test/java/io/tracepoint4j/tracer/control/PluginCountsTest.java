package io.tracepoint4j.tracer.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.Tracepoints;
import io.tracepoint4j.testkit.ChildFirstLoader;
import io.tracepoint4j.testkit.Waits;
import io.tracepoint4j.tracer.FilterException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tp stat's counts and tp hist's histograms in the target follow a plugin: they count its
 * tracepoint when it is deployed after they started and again when it is deployed anew, add the
 * two deployments up under the tracepoint's name, and never keep a dropped deployment's class
 * loader alive. Shown to fail with the counters holding their tracepoints strongly (the loader is
 * never collected) and with counts attached only to the tracepoints defined at their start.
 */
class PluginCountsTest {
    static final String PACKAGE = "io.tracepoint4j.tracer.testplugin.";

    /** Fires in the host's loader, so that stat and hist find a tracepoint of the glob at their start. */
    public interface Host {
        void host(long x);
    }

    static final Tracepoint<Host> HOST = Tracepoint.define("tplugin:host", Host.class, "x");

    @Test
    void countsAndAHistogramFollowAPluginDeployedTwiceAndLetTheFirstLoaderGo() throws Throwable {
        Counts counts = new Counts(List.of("tplugin:*"), "x >= 0", new Notes());
        Histogram[] histogram = new Histogram[1];
        try {
            HOST.fire().host(1);
            // deployed after counts started: 3 before the histogram starts, 4 after
            WeakReference<ClassLoader> first =
                    deploy("one", 3, () -> histogram[0] = new Histogram("tplugin:ev", "x", null, new Notes()), 4);
            Waits.awaitCollected(first, "the dropped plugin's loader");
            deploy("two", 5, () -> {}, 6);
            deploy("three", -1, () -> {}, -2); // the filter of the counts refuses these
            assertThat(counts.read())
                    .as("host once; ev 3, 4 of the first deployment and 5, 6 of the second")
                    .containsExactly("tplugin:host=1", "tplugin:ev=4");
            String[] fields = histogram[0].read().split("\t");
            assertThat(fields[0]).as("count: 4, 5, 6, -1, -2").isEqualTo("5");
            assertThat(Long.parseLong(fields[1])).as("sum").isEqualTo(4 + 5 + 6 - 1 - 2);
        } finally {
            counts.close();
            if (histogram[0] != null) {
                histogram[0].close();
            }
        }
        HOST.fire().host(2);
        assertThat(counts.read()).as("after close").containsExactly("tplugin:host=1", "tplugin:ev=4");
        assertThat(HOST.probeCount()).isZero();
    }

    /**
     * A histogram started while a redeploy is under way, two loaders' tracepoints of one name alive:
     * it measures that name (it used to refuse it as "several tracepoints match"), the newer's and
     * then the older's firings.
     */
    @Test
    void aHistogramStartedMidRedeployMeasuresTheName() throws Throwable {
        Histogram[] histogram = new Histogram[1];
        try {
            deploy(
                    "old",
                    1,
                    () -> {
                        try {
                            deploy(
                                    "new",
                                    2,
                                    () -> histogram[0] = new Histogram("tplugin:ev", "x", null, new Notes()),
                                    3);
                        } catch (Throwable e) {
                            throw new AssertionError(e);
                        }
                    },
                    4);
            assertThat(histogram[0].name()).isEqualTo("tplugin:ev");
            String[] fields = histogram[0].read().split("\t");
            assertThat(fields[0])
                    .as("count: 3 of the newer, then 4 of the older")
                    .isEqualTo("2");
            assertThat(fields[1]).as("sum").isEqualTo("7");
        } finally {
            if (histogram[0] != null) {
                histogram[0].close();
            }
        }
    }

    @Test
    void aFilterThatDoesNotFitATracepointDefinedAtTheStartIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new Counts(List.of("tplugin:host"), "nope > 1", new Notes()))
                .isInstanceOf(FilterException.class)
                .hasMessageContaining("nope");
        assertThat(HOST.probeCount()).as("nothing left attached").isZero();
    }

    /**
     * Loads the plugin into a loader of its own (its tracepoint defined there), fires it with
     * {@code before}, runs {@code between}, fires it with {@code after}, and drops it, as an
     * application server undeploying it does (Tracepoints.forget): returns its loader, weakly.
     */
    private static WeakReference<ClassLoader> deploy(String name, long before, Runnable between, long after)
            throws Throwable {
        ClassLoader loader = new ChildFirstLoader(
                name, PluginCountsTest.class.getClassLoader(), PACKAGE, PluginCountsTest.class.getClassLoader());
        Class<?> plugin = Class.forName(PACKAGE + "Plugin", true, loader);
        MethodHandle work =
                MethodHandles.publicLookup().findStatic(plugin, "work", MethodType.methodType(void.class, long.class));
        work.invokeExact(before);
        between.run();
        work.invokeExact(after);
        Tracepoints.forget(loader);
        return new WeakReference<>(loader);
    }
}
