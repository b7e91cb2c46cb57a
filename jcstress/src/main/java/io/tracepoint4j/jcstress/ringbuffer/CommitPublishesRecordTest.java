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
 * committed, and then with the record's bytes ([CC] in RingBuffer: the commit's release pairs with
 * the consumer's acquire of the complete count).
 */
@JCStressTest
@Description("The consumer sees a closed sub-buffer only after its record is committed, and sees the record.")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "Not complete yet: nothing handed over.")
@Outcome(id = "1, 42, 42", expect = ACCEPTABLE, desc = "Handed over with the committed record.")
@Outcome(expect = FORBIDDEN, desc = "Handed over before the record was committed: a torn record.")
@State
public class CommitPublishesRecordTest {
    private final RingBuffer buffer = RingBuffer.builder()
            .subBufferSize(64)
            .subBufferCount(2)
            .mode(Mode.DISCARD)
            .build();

    @Actor
    public void writer() {
        long at = buffer.reserve(64); // fills sub-buffer 0: the reservation closes it
        if (at >= 0) {
            buffer.memory().set(JAVA_LONG, at, 42L);
            buffer.memory().set(JAVA_LONG, at + 56, 42L);
            buffer.commit(at, 64);
        }
    }

    @Actor
    public void consumer(JJJ_Result result) {
        buffer.consume(
                sub -> {
                    result.r1 = 1;
                    result.r2 = sub.memory().get(JAVA_LONG, 0);
                    result.r3 = sub.memory().get(JAVA_LONG, 56);
                },
                null);
    }
}
