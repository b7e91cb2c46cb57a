package io.tracepoint4j;

import java.util.concurrent.CountDownLatch;

/**
 * Run by StallAdviceTest in a forked JVM whose stall timeout is short: a probe of a regular
 * tracepoint blocks, and synchronizeUnregister() waits for it past the stall timeout, so the
 * regular domain reports the stall (to stderr, through JUL).
 */
public final class BlockingRegularProbeMain {

    public interface Tick {
        void tick(int n);
    }

    private BlockingRegularProbeMain() {}

    public static void main(String[] args) throws Exception {
        Tracepoint<Tick> tick = Tracepoint.define("test:blocking_regular", Tick.class, "n");
        CountDownLatch inProbe = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Tick probe = new BlockingProbe(inProbe, release);
        tick.register(probe);
        Thread firing = Thread.ofPlatform()
                .name("firing-thread")
                .start(() -> tick.fire().tick(1));
        inProbe.await();
        tick.unregister(probe);
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(Long.parseLong(args[0]));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            release.countDown();
        });
        tick.synchronizeUnregister(); // waits past the stall timeout, until the probe is released
        firing.join();
        System.out.println("synchronizeUnregister returned");
    }

    /** A named class, so that the advice can find it on the stack. */
    static final class BlockingProbe implements Tick {
        private final CountDownLatch inProbe;
        private final CountDownLatch release;

        BlockingProbe(CountDownLatch inProbe, CountDownLatch release) {
            this.inProbe = inProbe;
            this.release = release;
        }

        @Override
        public void tick(int n) {
            inProbe.countDown();
            try {
                release.await(); // what a regular probe must never do
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String toString() {
            return "BlockingProbe";
        }
    }
}
