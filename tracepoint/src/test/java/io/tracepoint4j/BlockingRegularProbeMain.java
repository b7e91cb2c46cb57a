package io.tracepoint4j;

import java.util.concurrent.CountDownLatch;

/**
 * Run by StallAdviceTest in a forked JVM whose stall timeout is short: a probe of a regular
 * tracepoint blocks, and synchronizeUnregister() waits for it past the stall timeout, so the
 * regular domain reports the stall (to stderr, through JUL). With a second argument {@code
 * nested}, the regular probe fires a faultable tracepoint instead, whose probe blocks inside the
 * regular firing's section.
 */
public final class BlockingRegularProbeMain {

    public interface Tick {
        void tick(int n);
    }

    /** The faultable tracepoint's prototype: another one, so that the stack tells the probes apart. */
    public interface Read {
        void read(int n);
    }

    private BlockingRegularProbeMain() {}

    public static void main(String[] args) throws Exception {
        boolean nested = args.length > 1 && args[1].equals("nested");
        Tracepoint<Tick> tick =
                Tracepoint.define(nested ? "test:outer_regular" : "test:blocking_regular", Tick.class, "n");
        CountDownLatch inProbe = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BlockingProbe blocking = new BlockingProbe(inProbe, release);
        Tick probe = blocking;
        if (nested) {
            Tracepoint<Read> inner = Tracepoint.defineFaultable("test:inner_faultable", Read.class, "n");
            inner.register(blocking);
            probe = new FiresInner(inner);
        }
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

    /** A named class, so that the advice can find it on the stack: as either prototype, it blocks. */
    static final class BlockingProbe implements Tick, Read {
        private final CountDownLatch inProbe;
        private final CountDownLatch release;

        BlockingProbe(CountDownLatch inProbe, CountDownLatch release) {
            this.inProbe = inProbe;
            this.release = release;
        }

        @Override
        public void tick(int n) {
            block(); // what a regular probe must never do
        }

        @Override
        public void read(int n) {
            block(); // what a faultable probe may do, but not inside a regular firing
        }

        private void block() {
            inProbe.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String toString() {
            return "BlockingProbe";
        }
    }

    /** The regular probe of the nested case: fires the faultable tracepoint. */
    static final class FiresInner implements Tick {
        private final Tracepoint<Read> inner;

        FiresInner(Tracepoint<Read> inner) {
            this.inner = inner;
        }

        @Override
        public void tick(int n) {
            inner.fire().read(n);
        }
    }
}
