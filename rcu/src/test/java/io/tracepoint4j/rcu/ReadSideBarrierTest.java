package io.tracepoint4j.rcu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.tracepoint4j.testkit.Waits;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/** Which read-side barrier this JVM uses, and the property that forces the fenced one. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class ReadSideBarrierTest {

    @Test
    void membarrierOnLinuxUnlessForcedFenced() {
        assumeThat(System.getProperty("os.name"))
                .as("membarrier(2) is Linux only")
                .startsWith("Linux");
        ReadSideBarrier expected = Boolean.getBoolean(ReadSideBarrier.FORCE_FENCED_PROPERTY)
                ? ReadSideBarrier.FENCED
                : ReadSideBarrier.MEMBARRIER;
        assertThat(ReadSideBarrier.current())
                .as("reason: %s", ReadSideBarrier.reason())
                .isEqualTo(expected);
        assertThat(ReadSideBarrier.reason()).isNotBlank();
    }

    @Test
    void theBarriersCanBeCalledFromAnyThread() {
        ReadSideBarrier.lightBarrier();
        ReadSideBarrier.heavyBarrier();
        CompletableFuture<Void> f = Waits.async("heavy-barrier", ReadSideBarrier::heavyBarrier);
        Waits.await(f, "heavyBarrier() on another thread");
        assertThat(ReadSideBarrier.current()).isNotNull();
    }

    @Test
    void thePropertyForcesFencedInAFreshJvmAndGracePeriodsStillWork() throws Exception {
        Result r = fork("-D" + ReadSideBarrier.FORCE_FENCED_PROPERTY + "=true");
        assertThat(r.exit).as("exit status; output:%n%s", r.output).isZero();
        assertThat(r.output).contains("barrier=FENCED").contains("OK");
        assertThat(r.output).containsPattern("reason=\\S");
    }

    @Test
    void withoutThePropertyAFreshJvmOnLinuxUsesMembarrier() throws Exception {
        assumeThat(System.getProperty("os.name"))
                .as("membarrier(2) is Linux only")
                .startsWith("Linux");
        Result r = fork("-D" + ReadSideBarrier.FORCE_FENCED_PROPERTY + "=false");
        assertThat(r.exit).as("exit status; output:%n%s", r.output).isZero();
        assertThat(r.output).contains("barrier=MEMBARRIER").contains("OK");
    }

    record Result(int exit, String output) {}

    private static Result fork(String property) throws IOException, InterruptedException, URISyntaxException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String classPath =
                String.join(File.pathSeparator, location(ReadSideBarrier.class), location(FencedReadSideMain.class));
        List<String> command = List.of(
                java.toString(),
                "-ea",
                "--enable-native-access=ALL-UNNAMED",
                property,
                "-cp",
                classPath,
                FencedReadSideMain.class.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        });
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the forked JVM did not finish in 30 s: " + command);
        }
        return new Result(p.exitValue(), Waits.await(output, "the forked JVM's output"));
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
    }
}
