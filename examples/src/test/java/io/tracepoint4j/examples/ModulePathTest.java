package io.tracepoint4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.examples.modulepath.ModulePathMain;
import io.tracepoint4j.rcu.Srcu;
import io.tracepoint4j.testkit.ForkedJvm;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tracepoint4j as a modular application uses it: io.tracepoint4j.rcu, io.tracepoint4j and the
 * examples module, all named modules on the module path (the other tests run on the class path).
 * The examples module requires io.tracepoint4j alone (io.tracepoint4j.rcu comes transitively) and
 * exports its prototype's package to io.tracepoint4j.
 */
class ModulePathTest {

    @Test
    void aUserModuleDefinesFiresAndProbesATracepointAndAnUnexportedPrototypeIsRefusedWithItsFix() {
        String modulePath = String.join(
                File.pathSeparator,
                ForkedJvm.location(Srcu.class),
                ForkedJvm.location(Tracepoint.class),
                ForkedJvm.location(io.tracepoint4j.tracer.Session.class),
                ForkedJvm.location(io.tracepoint4j.ringbuffer.RingBuffer.class),
                ForkedJvm.location(io.tracepoint4j.ctf.CtfReader.class),
                ForkedJvm.location(io.tracepoint4j.jfr.JvmTracepoints.class),
                ForkedJvm.location(TracepointExample.class));
        ForkedJvm.Result r = ForkedJvm.run(List.of(
                "--enable-native-access=io.tracepoint4j.rcu",
                "--module-path",
                modulePath,
                "--patch-module",
                "io.tracepoint4j.examples=" + ForkedJvm.location(ModulePathMain.class),
                "-m",
                "io.tracepoint4j.examples/" + ModulePathMain.class.getName()));

        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output())
                .as("every module is named")
                .contains("module: io.tracepoint4j.examples, tracepoint4j module: io.tracepoint4j")
                .as("the probe saw the firings made while it was attached")
                .contains("counted 10 server errors; 0 probes attached now")
                .as("an unexported prototype is refused, and the error names the fix")
                .contains("refused: prototype " + ModulePathMain.Hidden.class.getName() + " is not accessible")
                .contains("export its package (at least to io.tracepoint4j)")
                .as("a plugin's tracepoint, defined in the plugin's unnamed module, fires its probe")
                .containsPattern("plugin tracepoint in unnamed module @[0-9a-f]+ fired: the probe got 7")
                .as("native access was enabled for io.tracepoint4j.rcu: the JDK does not warn")
                .doesNotContain("WARNING: A restricted method");
    }
}
