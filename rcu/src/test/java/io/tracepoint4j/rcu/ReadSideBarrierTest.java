package io.tracepoint4j.rcu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.tracepoint4j.testkit.ForkedJvm;
import io.tracepoint4j.testkit.Waits;
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
    void thePropertyForcesFencedInAFreshJvmAndGracePeriodsStillWork() {
        ForkedJvm.Result r = fork("-D" + ReadSideBarrier.FORCE_FENCED_PROPERTY + "=true");
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("barrier=FENCED").contains("OK");
        assertThat(r.output()).containsPattern("reason=\\S");
    }

    @Test
    void deniedNativeAccessFallsBackToFencesWithOneWarningThatNamesTheFlag() {
        assumeThat(System.getProperty("os.name"))
                .as("membarrier(2) is Linux only")
                .startsWith("Linux");
        ForkedJvm.Result r = ForkedJvm.run(
                FencedReadSideMain.class,
                List.of("-ea", "--illegal-native-access=deny"),
                List.of(),
                ReadSideBarrier.class);
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("barrier=FENCED").contains("OK");
        assertThat(r.output().lines().filter(l -> l.startsWith("WARNING: read-side barrier: FENCED")))
                .as("output:%n%s", r.output())
                .singleElement()
                .asString()
                .contains("native access is denied")
                .contains("--enable-native-access=ALL-UNNAMED");
    }

    @Test
    void withoutThePropertyAFreshJvmOnLinuxUsesMembarrier() {
        assumeThat(System.getProperty("os.name"))
                .as("membarrier(2) is Linux only")
                .startsWith("Linux");
        ForkedJvm.Result r = fork("-D" + ReadSideBarrier.FORCE_FENCED_PROPERTY + "=false");
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("barrier=MEMBARRIER").contains("OK");
    }

    private static ForkedJvm.Result fork(String property) {
        return ForkedJvm.run(
                FencedReadSideMain.class,
                List.of("-ea", "--enable-native-access=ALL-UNNAMED", property),
                List.of(),
                ReadSideBarrier.class);
    }
}
