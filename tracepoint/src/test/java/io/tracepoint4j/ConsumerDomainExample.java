package io.tracepoint4j;

import io.tracepoint4j.rcu.Srcu;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A consumer that keeps its own SRCU domain for its own data, as perf does in the kernel: its probe
 * reads the current output buffer inside a section of the consumer's domain, and switching buffers
 * waits for that domain only, never for the tracepoints' domains nor for other consumers.
 *
 * <pre>{@code
 * ConsumerDomainExample consumer = new ConsumerDomainExample();
 * consumer.attach(HttpServer.REQUEST);              // a faultable or regular tracepoint
 * ...
 * Buffer full = consumer.switchBuffer();           // waits for the consumer's own readers
 * full.drain();                                    // nobody writes it any more
 * consumer.detach(HttpServer.REQUEST);             // unregister + synchronizeUnregister
 * consumer.close();
 * }</pre>
 */
@SuppressWarnings("try")
final class ConsumerDomainExample implements AutoCloseable {

    /** The prototype of the tracepoint this consumer records. */
    public interface Request {
        void request(String method, int status, long nanos);
    }

    /** The consumer's data: one output buffer, written by many probes at once, read after a switch. */
    static final class Buffer {
        final LongAdder events = new LongAdder();
        final LongAdder nanos = new LongAdder();
        volatile boolean retired;
    }

    private final Srcu domain = Srcu.create("consumer-buffers");
    private final AtomicReference<Buffer> current = new AtomicReference<>(new Buffer());
    private final LongAdder writesAfterRetire = new LongAdder();

    /** The probe: the consumer's own read-side section nests inside the tracepoint's. */
    private final Request probe = (method, status, nanos) -> {
        try (var section = domain.read()) {
            Buffer buffer = current.getAcquire();
            if (buffer.retired) {
                writesAfterRetire.increment(); // must never happen: switchBuffer waited for us
            }
            buffer.events.increment();
            buffer.nanos.add(nanos);
        }
    };

    void attach(Tracepoint<Request> tracepoint) {
        tracepoint.register(probe);
    }

    void detach(Tracepoint<Request> tracepoint) {
        tracepoint.unregister(probe);
        tracepoint.synchronizeUnregister(); // after this, the probe is not running
    }

    /** Installs a fresh buffer and returns the old one once no probe can still write it. */
    Buffer switchBuffer() {
        Buffer old = current.getAndSet(new Buffer());
        domain.synchronize(); // the consumer's own grace period: independent of the tracepoints'
        old.retired = true;
        return old;
    }

    long writesAfterRetire() {
        return writesAfterRetire.sum();
    }

    @Override
    public void close() {
        domain.barrier();
        domain.close();
    }
}
