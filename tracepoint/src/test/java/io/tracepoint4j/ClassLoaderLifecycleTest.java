package io.tracepoint4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.testkit.ForkedJvm;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Class loaders that go away (ClassLoaderLifecycleMain, in a fresh JVM): a dropped plugin loader is
 * collected within a bounded number of GCs though a consumer attached a probe to its tracepoint
 * through the registry listener, which is told of the removal; find() no longer lists it; two
 * loaders' tracepoints of one name are both listed; forget() drops at once; 100 redeploys leave
 * loaded classes, metaspace and the registry flat. Interpreted ({@code -Xint}): in mixed mode the
 * JIT's profiles of methods still warming up add some 4 KB of metaspace per cycle to the JDK's and
 * the application's loaders (measured: flat to the KB with -Xint, classes flat either way), which
 * would hide a leak of that size.
 */
class ClassLoaderLifecycleTest {

    @Test
    void pluginLoadersGoAwayWithTheirTracepoints() {
        ForkedJvm.Result r = ForkedJvm.run(
                ClassLoaderLifecycleMain.class,
                List.of("-Xint", "-ea", "--enable-native-access=ALL-UNNAMED", "-Xmx256m"),
                List.of(),
                Tracepoint.class,
                RcuDomain.class,
                io.tracepoint4j.testkit.ChildFirstLoader.class); // PluginLoader's superclass
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("dropped loader: collected").endsWith("OK\n");
    }
}
