package io.tracepoint4j.jcstress.ringbuffer;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.ringbuffer.RingBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * A sub-buffer closed by a reservation is handed to the consumer only once the record in it is
 * committed, and then with the record's bytes: in a multi-producer buffer ([CC] in RingBuffer: the
 * commit's getAndAdd releases, the consumer's load of the complete count acquires) and in a
 * single-producer one ([CC1]: the commit is a release store). The two tests share the actors'
 * bodies; only the buffer differs.
 */
public final class CommitPublishesRecordTest {
    private CommitPublishesRecordTest() {}

    /** A buffer of two 64-byte sub-buffers with no header: one 64-byte record fills and closes the first. */
    static RingBuffer.Builder smallBuffer() {
        return RingBuffer.builder().subBufferSize(64).subBufferCount(2).mode(Mode.DISCARD);
    }

    /** The writer: one record of 64 bytes, 42 at both ends, committed. */
    static void write(RingBuffer buffer) {
        long at = buffer.reserve(64); // fills sub-buffer 0: the reservation closes it
        if (at >= 0) {
            buffer.memory().set(JAVA_LONG, at, 42L);
            buffer.memory().set(JAVA_LONG, at + 56, 42L);
            buffer.commit(at, 64);
        }
    }

    /** The consumer: (1, first long, last long) if the sub-buffer was handed over, else (0, 0, 0). */
    static void consume(RingBuffer buffer, JJJ_Result result) {
        buffer.consume(
                sub -> {
                    result.r1 = 1;
                    result.r2 = sub.memory().get(JAVA_LONG, 0);
                    result.r3 = sub.memory().get(JAVA_LONG, 56);
                },
                null);
    }

    @JCStressTest
    @Description("Multi-producer: the consumer sees a closed sub-buffer only after its record is committed, and"
            + " sees the record.")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "Not complete yet: nothing handed over.")
    @Outcome(id = "1, 42, 42", expect = ACCEPTABLE, desc = "Handed over with the committed record.")
    @Outcome(expect = FORBIDDEN, desc = "Handed over before the record was committed: a torn record.")
    @State
    public static class MultiProducer {
        private final RingBuffer buffer = smallBuffer().build();

        @Actor
        public void writer() {
            write(buffer);
        }

        @Actor
        public void consumer(JJJ_Result result) {
            consume(buffer, result);
        }
    }

    @JCStressTest
    @Description("Single-producer: the consumer sees a closed sub-buffer only after its record is committed, and"
            + " sees the record.")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "Not complete yet: nothing handed over.")
    @Outcome(id = "1, 42, 42", expect = ACCEPTABLE, desc = "Handed over with the committed record.")
    @Outcome(expect = FORBIDDEN, desc = "Handed over before the record was committed: a torn record.")
    @State
    public static class SingleProducer {
        private final RingBuffer buffer = smallBuffer().singleProducer().build();

        @Actor
        public void writer() {
            write(buffer);
        }

        @Actor
        public void consumer(JJJ_Result result) {
            consume(buffer, result);
        }
    }
}
