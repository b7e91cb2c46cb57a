package io.tracepoint4j.rcu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.tracepoint4j.testkit.ForkedJvm;
import io.tracepoint4j.testkit.Waits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/** Which read-side barrier this JVM uses, and the property that forces the fenced one. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class ReadSideBarrierTest {

    @Test
    void membarrierWhereverTheSystemCallWorksUnlessForcedFenced() {
        boolean forced = Boolean.getBoolean(ReadSideBarrier.FORCE_FENCED_PROPERTY);
        Membarrier.Availability probe = Membarrier.probe();
        if (membarrierMustWorkHere()) {
            assertThat(probe.available())
                    .as(
                            "membarrier(2) on Linux %s/%s with native access enabled: %s",
                            System.getProperty("os.version"), System.getProperty("os.arch"), probe.description())
                    .isTrue();
        }
        if (forced) {
            assertThat(ReadSideBarrier.current()).isEqualTo(ReadSideBarrier.FENCED);
            assertThat(ReadSideBarrier.reason()).contains(ReadSideBarrier.FORCE_FENCED_PROPERTY);
        } else if (probe.available()) {
            assertThat(ReadSideBarrier.current())
                    .as("membarrier works here (%s), reason: %s", probe.description(), ReadSideBarrier.reason())
                    .isEqualTo(ReadSideBarrier.MEMBARRIER);
        } else { // the documented fallback: not Linux, an old kernel, or native access denied
            assertThat(ReadSideBarrier.current()).isEqualTo(ReadSideBarrier.FENCED);
            assertThat(ReadSideBarrier.reason()).startsWith("membarrier unavailable: ");
        }
    }

    /** Linux 4.14 or later (MEMBARRIER_CMD_PRIVATE_EXPEDITED), an architecture we know, native access on. */
    private static boolean membarrierMustWorkHere() {
        if (!System.getProperty("os.name").startsWith("Linux")
                || !List.of("amd64", "x86_64", "aarch64").contains(System.getProperty("os.arch"))
                || !Membarrier.class.getModule().isNativeAccessEnabled()) {
            return false;
        }
        String[] version = System.getProperty("os.version").split("[.-]");
        int major = Integer.parseInt(version[0]);
        int minor = version.length > 1 ? Integer.parseInt(version[1]) : 0;
        return major > 4 || (major == 4 && minor >= 14);
    }

    @Test
    void theGracePeriodBarrierWorksFromManyThreadsAtOnce() {
        int threads = 4;
        int calls = 2_000;
        AtomicInteger completed = new AtomicInteger();
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            running.add(Waits.async("heavy-barrier-" + t, () -> {
                for (int i = 0; i < calls; i++) {
                    ReadSideBarrier.heavyBarrier(); // throws if membarrier(2) fails on this thread
                    completed.incrementAndGet();
                }
            }));
        }
        for (CompletableFuture<Void> f : running) {
            Waits.await(f, "heavyBarrier() calls on another thread");
        }
        assertThat(completed).hasValue(threads * calls);
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

    /**
     * A program that creates a domain and returns at once still gets the warning: the set-up
     * thread, which logs it, keeps the JVM until it did (a black-box test lost it 4 times in 4 when
     * the thread was a daemon).
     */
    @Test
    void aShortProgramWithoutNativeAccessStillGetsTheWarning() {
        assumeThat(System.getProperty("os.name"))
                .as("membarrier(2) is Linux only")
                .startsWith("Linux");
        for (int run = 0; run < 2; run++) {
            ForkedJvm.Result r = ForkedJvm.run(
                    ShortLivedDomainMain.class,
                    List.of("-ea", "--illegal-native-access=deny"),
                    List.of(),
                    ReadSideBarrier.class);
            assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
            assertThat(r.output().lines().filter(l -> l.startsWith("WARNING: read-side barrier: FENCED")))
                    .as("run %d, output:%n%s", run, r.output())
                    .singleElement()
                    .asString()
                    .contains("--enable-native-access=ALL-UNNAMED");
        }
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
