package io.tracepoint4j.jcstress.ringbuffer;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.ringbuffer.RingBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * OVERWRITE mode: both sub-buffers are full and unread when a writer laps the consumer and
 * overwrites sub-buffer 0 while the consumer copies it. The consumer hands sub-buffer 0 over intact
 * or not at all ([SL] in RingBuffer: the copy, an acquire fence, then the check of the write
 * position, against the writer's claim before its stores).
 */
@JCStressTest
@Description("OVERWRITE: a sub-buffer overwritten during the consumer's copy is never handed over.")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "Sub-buffer 0 copied before the writer claimed it: intact.")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "Sub-buffer 0 was overwritten: skipped.")
@Outcome(expect = FORBIDDEN, desc = "Sub-buffer 0 handed over with the overwriting record's bytes: torn.")
@State
public class OverwriteCopyIsValidatedTest {
    private final RingBuffer buffer = RingBuffer.builder()
            .subBufferSize(64)
            .subBufferCount(2)
            .mode(Mode.OVERWRITE)
            .build();
    private final MemorySegment scratch = Arena.ofAuto().allocate(64);

    public OverwriteCopyIsValidatedTest() {
        put(1L); // sub-buffer 0
        put(1L); // sub-buffer 1: both closed, committed, unread
    }

    private void put(long value) {
        long at = buffer.reserve(64);
        if (at >= 0) {
            buffer.memory().set(JAVA_LONG, at, value);
            buffer.memory().set(JAVA_LONG, at + 56, value);
            buffer.commit(at, 64);
        }
    }

    @Actor
    public void writer() {
        put(2L); // sub-buffer 2: index 0 again
    }

    @Actor
    public void consumer(JJJ_Result result) {
        buffer.consume(
                sub -> {
                    if (sub.sequence() == 0) {
                        result.r1 = 1;
                        result.r2 = sub.memory().get(JAVA_LONG, 0);
                        result.r3 = sub.memory().get(JAVA_LONG, 56);
                    }
                },
                scratch);
    }
}
