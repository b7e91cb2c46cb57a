package io.tracepoint4j;

import java.util.concurrent.CountDownLatch;

/**
 * Run by StallAdviceTest in a forked JVM whose stall timeout is short: a probe of a regular
 * tracepoint fires a faultable tracepoint whose probe blocks, inside the regular firing's section,
 * and the regular synchronizeUnregister() waits for it past the stall timeout.
 */
public final class BlockingNestedFaultableMain {

    public interface Tick {
        void tick(int n);
    }

    /** The faultable tracepoint's prototype: another one, so that the stack tells the probes apart. */
    public interface Read {
        void read(int n);
    }

    private BlockingNestedFaultableMain() {}

    public static void main(String[] args) throws Exception {
        Tracepoint<Tick> outer = Tracepoint.define("test:outer_regular", Tick.class, "n");
        Tracepoint<Read> inner = Tracepoint.defineFaultable("test:inner_faultable", Read.class, "n");
        CountDownLatch inProbe = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        inner.register(new Blocking(inProbe, release));
        Tick firesInner = new FiresInner(inner);
        outer.register(firesInner);
        Thread firing = Thread.ofPlatform()
                .name("firing-thread")
                .start(() -> outer.fire().tick(1));
        inProbe.await();
        outer.unregister(firesInner);
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(Long.parseLong(args[0]));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            release.countDown();
        });
        outer.synchronizeUnregister(); // the regular flavor's: waits for the blocked faultable probe
        firing.join();
        System.out.println("synchronizeUnregister returned");
    }

    /** The faultable probe: blocks, as it may. A named class, found on the stack. */
    static final class Blocking implements Read {
        private final CountDownLatch inProbe;
        private final CountDownLatch release;

        Blocking(CountDownLatch inProbe, CountDownLatch release) {
            this.inProbe = inProbe;
            this.release = release;
        }

        @Override
        public void read(int n) {
            inProbe.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The regular probe: fires the faultable tracepoint. A named class, found on the stack. */
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
