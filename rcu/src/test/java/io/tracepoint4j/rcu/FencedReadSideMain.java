package io.tracepoint4j.rcu;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Run by {@link ReadSideBarrierTest} in a forked JVM (ReadSideBarrier decides once per JVM): prints
 * the read-side barrier chosen and checks that grace periods of both flavors still wait for a
 * reader. Exits 0 and prints {@code OK} on success; JDK only, no test libraries on its class path.
 */
@SuppressWarnings("try")
public final class FencedReadSideMain {

    private FencedReadSideMain() {}

    public static void main(String[] args) throws Exception {
        System.out.println("barrier=" + ReadSideBarrier.current());
        System.out.println("reason=" + ReadSideBarrier.reason());
        check(Srcu.create("forked-srcu"));
        check(ClassicRcu.create("forked-classic"));
        System.out.println("OK");
    }

    private static void check(RcuDomain d) throws InterruptedException {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean ended = new AtomicBoolean();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (var section = d.read()) {
                entered.countDown();
                release.await();
                ended.set(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        require(entered.await(10, TimeUnit.SECONDS), d.name() + ": reader did not start");
        AtomicBoolean sawEnded = new AtomicBoolean();
        CountDownLatch gpDone = new CountDownLatch(1);
        Thread.ofPlatform().daemon().start(() -> {
            d.synchronize();
            sawEnded.set(ended.get());
            gpDone.countDown();
        });
        require(!gpDone.await(200, TimeUnit.MILLISECONDS), d.name() + ": synchronize() did not wait for a reader");
        release.countDown();
        require(gpDone.await(10, TimeUnit.SECONDS), d.name() + ": synchronize() did not return");
        require(sawEnded.get(), d.name() + ": synchronize() returned before the reader ended");
        reader.join();
        CountDownLatch ran = new CountDownLatch(1);
        d.call(ran::countDown);
        d.barrier();
        require(ran.getCount() == 0, d.name() + ": barrier() returned before the callback ran");
        d.close();
    }

    private static void require(boolean condition, String failure) {
        if (!condition) {
            System.out.println("FAILED: " + failure);
            System.exit(1);
        }
    }
}
