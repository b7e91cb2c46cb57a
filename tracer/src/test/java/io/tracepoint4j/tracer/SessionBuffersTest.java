package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.ringbuffer.Mode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The write path's division-free arithmetic: thread to buffer, place to buffer and offset. */
class SessionBuffersTest {

    @Test
    void aThreadsSharedBufferIsItsIdModTheSharedCount() {
        SplittableRandom random = new SplittableRandom(42);
        for (int count = 1; count <= 17; count++) {
            SessionBuffers buffers =
                    new SessionBuffers(count, 2, 0, 4096, 2, 64, Mode.DISCARD, TraceClock.nanoTime(), 2);
            for (long id : new long[] {0, 1, count - 1L, count, 0xFFFF_FFFFL, 0x1_0000_0000L, Long.MAX_VALUE}) {
                assertThat(buffers.sharedIndexOfThread(id))
                        .as("id %d, count %d", id, count)
                        .isEqualTo(expected(id, count));
            }
            for (int i = 0; i < 10_000; i++) {
                long id = random.nextLong();
                assertThat(buffers.sharedIndexOfThread(id))
                        .as("id %d, count %d", id, count)
                        .isEqualTo(expected(id, count));
            }
        }
    }

    @Test
    void aPlaceSplitsIntoItsBufferAndOffset() {
        SessionBuffers buffers = new SessionBuffers(2, 1, 1, 4096, 4, 64, Mode.DISCARD, TraceClock.nanoTime(), 2);
        for (int index = 0; index < 4; index++) {
            assertThat(buffers.startOf(index)).isEqualTo(index * 16384L);
            assertThat(buffers.indexOf(buffers.startOf(index))).isEqualTo(index);
            assertThat(buffers.indexOf(buffers.startOf(index) + 16383)).isEqualTo(index);
        }
        assertThat(buffers.memory().byteSize())
                .as("2 shared + 1 single-producer + 1 event-time")
                .isEqualTo(4 * 16384L);
        assertThat(buffers.shared()).isEqualTo(2);
        assertThat(buffers.threadBuffers().indexes()).containsExactly(2, 3);
    }

    private static int expected(long id, int count) {
        return (int) Long.remainderUnsigned(id & 0xFFFF_FFFFL, count);
    }
}
