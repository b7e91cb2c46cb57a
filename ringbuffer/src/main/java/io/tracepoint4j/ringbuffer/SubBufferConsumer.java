package io.tracepoint4j.ringbuffer;

/** Receives complete sub-buffers from {@link RingBuffer#consume}, in order, on the consumer's thread. */
@FunctionalInterface
public interface SubBufferConsumer {
    /** Reads or writes out {@code subBuffer}; it may fill the header room. Must not keep it after returning. */
    void accept(SubBuffer subBuffer);
}
