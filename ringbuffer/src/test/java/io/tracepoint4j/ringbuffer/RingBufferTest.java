package io.tracepoint4j.ringbuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The buffer's contract on one thread: layout, sub-buffer boundaries, stamps, modes and losses. */
class RingBufferTest {
    private static final int HEADER = 16;

    /** A clock that ticks by one per reading, so every stamp is predictable. */
    static final class TickingClock implements Clock {
        final AtomicLong now = new AtomicLong();

        @Override
        public long now() {
            return now.incrementAndGet();
        }
    }

    static RingBuffer buffer(Mode mode, Clock clock) {
        return RingBuffer.builder()
                .subBufferSize(256)
                .subBufferCount(4)
                .headerSize(HEADER)
                .mode(mode)
                .clock(clock)
                .timestampAt(TestRecords.TIMESTAMP_AT)
                .build();
    }

    static boolean put(RingBuffer buffer, int size, int writer, long sequence) {
        long at = buffer.reserve(size);
        if (at < 0) {
            return false;
        }
        TestRecords.write(buffer, at, size, writer, sequence);
        buffer.commit(at, size);
        return true;
    }

    static List<SubBuffer> consumeAll(RingBuffer buffer, List<TestRecords.Parsed> into) {
        List<SubBuffer> subs = new ArrayList<>();
        MemorySegment scratch = Arena.ofAuto().allocate((long) buffer.subBufferSize() * buffer.subBufferCount());
        buffer.consume(
                sub -> {
                    into.addAll(TestRecords.parse(sub, buffer.headerSize()));
                    subs.add(new SubBuffer(
                            null,
                            sub.sequence(),
                            sub.contentEnd(),
                            sub.records(),
                            sub.beginTime(),
                            sub.endTime(),
                            sub.lostTotal()));
                },
                scratch);
        return subs;
    }

    @Test
    void recordsAreLaidOutAfterTheHeaderAndASubBufferIsConsumedOnceClosed() {
        RingBuffer buffer = buffer(Mode.DISCARD, new TickingClock());
        assertThat(put(buffer, 100, 1, 0)).isTrue();
        assertThat(put(buffer, 100, 1, 1)).isTrue();
        List<TestRecords.Parsed> seen = new ArrayList<>();
        assertThat(consumeAll(buffer, seen)).as("the sub-buffer is still open").isEmpty();
        assertThat(buffer.switchSubBuffer()).isTrue();
        assertThat(buffer.switchSubBuffer()).as("nothing open any more").isFalse();
        List<SubBuffer> subs = consumeAll(buffer, seen);
        assertThat(subs).hasSize(1);
        assertThat(subs.getFirst().sequence()).isZero();
        assertThat(subs.getFirst().contentEnd()).isEqualTo(HEADER + 200);
        assertThat(seen).extracting(TestRecords.Parsed::sequence).containsExactly(0L, 1L);
        assertThat(subs.getFirst().beginTime())
                .isLessThanOrEqualTo(seen.getFirst().timestamp());
        assertThat(subs.getFirst().endTime())
                .isGreaterThanOrEqualTo(seen.getLast().timestamp());
    }

    /**
     * writeSequence() moves when the writers open a sub-buffer or the open one is closed, and only
     * then: a periodic flush that finds it unchanged knows the open sub-buffer was open before;
     * hasOpenSubBuffer() tells whether there is one to close.
     */
    @Test
    void writeSequenceMovesWhenASubBufferOpensOrClosesAndHasOpenSubBufferSaysWhetherOneIs() {
        RingBuffer buffer = buffer(Mode.DISCARD, new TickingClock());
        assertThat(buffer.writeSequence()).as("nothing written").isZero();
        assertThat(buffer.hasOpenSubBuffer()).as("nothing written").isFalse();
        assertThat(put(buffer, 100, 1, 0)).isTrue();
        assertThat(buffer.writeSequence()).as("sub-buffer 0 open").isZero();
        assertThat(buffer.hasOpenSubBuffer()).as("sub-buffer 0 open").isTrue();
        assertThat(put(buffer, 100, 1, 1)).isTrue();
        assertThat(buffer.writeSequence()).as("more records in it").isZero();
        assertThat(put(buffer, 100, 1, 2)).isTrue();
        assertThat(buffer.writeSequence())
                .as("the third record opened sub-buffer 1")
                .isEqualTo(1);
        buffer.switchSubBuffer();
        assertThat(buffer.writeSequence()).as("closed: the next record opens 2").isEqualTo(2);
        assertThat(buffer.hasOpenSubBuffer()).as("closed").isFalse();
        assertThat(put(buffer, 100, 1, 3)).isTrue();
        assertThat(buffer.writeSequence()).as("which it did").isEqualTo(2);
    }

    /** cut() splits the records in two by sequence number: those before it, and those after. */
    @Test
    void cutTellsWhichSubBuffersHoldTheRecordsReservedBeforeIt() {
        RingBuffer buffer = buffer(Mode.DISCARD, new TickingClock());
        assertThat(buffer.cut())
                .as("nothing written: the first sub-buffer is next")
                .isZero();
        for (int i = 0; i < 3; i++) {
            assertThat(put(buffer, 100, 1, i)).isTrue(); // sub-buffers 0 (two records) and 1 (one)
        }
        long boundary = buffer.cut();
        assertThat(boundary)
                .as("sub-buffer 1 was open: closed, so later records start in 2")
                .isEqualTo(2);
        assertThat(buffer.cut()).as("nothing open: still 2").isEqualTo(2);
        assertThat(put(buffer, 100, 1, 3)).isTrue();
        buffer.switchSubBuffer();
        List<Long> before = new ArrayList<>();
        List<Long> after = new ArrayList<>();
        buffer.consume(
                sub -> {
                    for (TestRecords.Parsed record : TestRecords.parse(sub, buffer.headerSize())) {
                        (sub.sequence() < boundary ? before : after).add(record.sequence());
                    }
                },
                null);
        assertThat(before).containsExactly(0L, 1L, 2L);
        assertThat(after).containsExactly(3L);
    }

    @Test
    void aRecordThatDoesNotFitOpensTheNextSubBufferAndTimestampsNeverDecrease() {
        RingBuffer buffer = buffer(Mode.DISCARD, new TickingClock());
        for (int i = 0; i < 5; i++) {
            assertThat(put(buffer, 100, 1, i)).isTrue(); // 2 per sub-buffer of 256 with a 16-byte header
        }
        buffer.switchSubBuffer();
        List<TestRecords.Parsed> seen = new ArrayList<>();
        List<SubBuffer> subs = consumeAll(buffer, seen);
        assertThat(subs).extracting(SubBuffer::sequence).containsExactly(0L, 1L, 2L);
        assertThat(subs).extracting(SubBuffer::contentEnd).containsExactly(216L, 216L, 116L);
        assertThat(seen).extracting(TestRecords.Parsed::sequence).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(seen).extracting(TestRecords.Parsed::timestamp).isSorted();
        for (int i = 1; i < subs.size(); i++) {
            assertThat(subs.get(i).beginTime())
                    .isGreaterThanOrEqualTo(subs.get(i - 1).endTime());
        }
    }

    @Test
    void eachSubBufferTellsHowManyRecordsItHoldsOverManyLapsOfTheBuffer() {
        for (boolean singleProducer : new boolean[] {false, true}) {
            RingBuffer.Builder builder = RingBuffer.builder()
                    .subBufferSize(256)
                    .subBufferCount(4)
                    .headerSize(HEADER)
                    .clock(new TickingClock())
                    .timestampAt(TestRecords.TIMESTAMP_AT);
            RingBuffer buffer = (singleProducer ? builder.singleProducer() : builder).build();
            List<Long> counted = new ArrayList<>();
            List<Integer> parsed = new ArrayList<>();
            int sequence = 0;
            for (int lap = 0; lap < 40; lap++) { // 10 laps of the 4 sub-buffers, with 1 to 7 records each
                int records = 1 + lap % 7;
                for (int i = 0; i < records; i++) {
                    assertThat(put(buffer, TestRecords.OVERHEAD + i, 1, sequence++))
                            .isTrue();
                }
                buffer.switchSubBuffer();
                buffer.consume(
                        sub -> {
                            counted.add(sub.records());
                            parsed.add(TestRecords.parse(sub, HEADER).size());
                        },
                        null);
                assertThat(counted)
                        .as("lap " + lap + (singleProducer ? ", single producer" : ""))
                        .hasSize(lap + 1)
                        .last()
                        .isEqualTo((long) records);
            }
            assertThat(counted).extracting(Long::intValue).isEqualTo(parsed);
        }
    }

    static RingBuffer singleProducer(Clock clock) {
        return RingBuffer.builder()
                .subBufferSize(256)
                .subBufferCount(4)
                .headerSize(HEADER)
                .clock(clock)
                .timestampAt(TestRecords.TIMESTAMP_AT)
                .singleProducer()
                .build();
    }

    static boolean putAt(RingBuffer buffer, int size, long sequence, long time) {
        long at = buffer.reserveAt(size, time);
        if (at < 0) {
            return false;
        }
        TestRecords.write(buffer, at, size, 1, sequence);
        buffer.commit(at, size);
        return true;
    }

    /**
     * Events reported late keep their own time, raised to the last record's when earlier; a
     * flush's switch closes a sub-buffer at its last record's time, so that records placed in the
     * past after it are not raised to the flush's time, and packets still follow one another.
     */
    @Test
    void aSingleProducerPlacesRecordsInThePastAndClosesAtItsLastRecord() {
        TickingClock clock = new TickingClock();
        clock.now.set(1_000);
        RingBuffer buffer = singleProducer(clock);
        assertThat(putAt(buffer, 40, 0, 100)).isTrue();
        assertThat(putAt(buffer, 40, 1, 90))
                .as("earlier than the last: raised to it")
                .isTrue();
        assertThat(putAt(buffer, 40, 2, 150)).isTrue();
        assertThat(buffer.switchSubBuffer()).isTrue(); // a flush, with the clock far ahead
        assertThat(putAt(buffer, 40, 3, 160)).isTrue();
        assertThat(put(buffer, 40, 1, 4)).as("a record of now").isTrue();
        assertThat(putAt(buffer, 40, 5, 170))
                .as("after a record of now: raised to it")
                .isTrue();
        buffer.switchSubBuffer();
        List<TestRecords.Parsed> seen = new ArrayList<>();
        List<SubBuffer> subs = consumeAll(buffer, seen);
        assertThat(seen)
                .extracting(TestRecords.Parsed::timestamp)
                .containsExactly(100L, 100L, 150L, 160L, 1001L, 1001L);
        assertThat(subs).extracting(SubBuffer::beginTime).containsExactly(100L, 160L);
        assertThat(subs)
                .as("closed at the last record, not at the clock's now")
                .extracting(SubBuffer::endTime)
                .containsExactly(150L, 1001L);
    }

    /**
     * A single producer's writer that threw between reserve and commit finds its record again,
     * stamped with its time, writes it anew and commits it: its sub-buffer reaches the consumer,
     * whether the record opened that sub-buffer or not.
     */
    @Test
    void aSingleProducerFindsItsUncommittedRecordAndCommitsItLater() {
        TickingClock clock = new TickingClock();
        RingBuffer buffer = singleProducer(clock);
        assertThat(buffer.uncommittedBytes()).as("nothing reserved yet").isZero();
        List<TestRecords.Parsed> seen = new ArrayList<>();
        for (int sequence = 0; sequence < 24; sequence++) { // 3 pairs a sub-buffer: abandoned ones open some
            assertThat(put(buffer, 40, 1, 2 * sequence)).isTrue();
            assertThat(buffer.uncommittedBytes()).isZero();
            long at = buffer.reserve(40 + sequence % 3); // abandoned: the writer threw
            buffer.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, at + TestRecords.TIMESTAMP_AT, -1L); // torn stamp
            int size = buffer.uncommittedBytes();
            assertThat(size).isEqualTo(40 + sequence % 3);
            long found = buffer.restampLast(size);
            assertThat(found).isEqualTo(at);
            long time = buffer.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, at + TestRecords.TIMESTAMP_AT);
            TestRecords.write(buffer, found, size, 2, 2 * sequence + 1);
            buffer.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, at + TestRecords.TIMESTAMP_AT, time);
            buffer.commit(found, size);
            assertThat(buffer.uncommittedBytes()).isZero();
            consumeAll(buffer, seen); // the sub-buffers it held up
        }
        buffer.switchSubBuffer();
        consumeAll(buffer, seen);
        assertThat(seen).extracting(TestRecords.Parsed::sequence).hasSize(48);
        assertThat(seen).extracting(TestRecords.Parsed::timestamp).isSorted().doesNotContain(-1L);
        assertThatThrownBy(() -> buffer(Mode.DISCARD, clock).uncommittedBytes())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    /**
     * A single producer's writer mends only exactly its last record: after a switch (the position
     * then ends padding), or with an earlier record missing too, it finds nothing, and the
     * sub-buffer is the consumer's to drop.
     */
    @Test
    void aSingleProducerLeavesToTheConsumerWhatIsNotExactlyItsLastRecord() {
        RingBuffer switched = singleProducer(new TickingClock());
        assertThat(put(switched, 40, 1, 0)).isTrue();
        switched.reserve(40); // abandoned
        assertThat(switched.uncommittedBytes()).isEqualTo(40);
        switched.switchSubBuffer(); // the owner's, with the writer out of the way
        assertThat(switched.uncommittedBytes())
                .as("the position ends a switch's padding")
                .isZero();
        assertThat(switched.stuckSubBuffer()).isZero();
        assertThat(switched.dropAbandoned(0)).isEqualTo(1);

        RingBuffer twice = singleProducer(new TickingClock());
        twice.reserve(40); // abandoned, not mended
        twice.reserve(48); // abandoned too
        assertThat(twice.uncommittedBytes())
                .as("more than the last record is missing")
                .isZero();
        assertThat(put(twice, 40, 1, 0)).isTrue();
        assertThat(twice.uncommittedBytes()).as("its last record is committed").isZero();
    }

    /**
     * A reservation that is never committed holds its sub-buffer from the consumer and, a lap
     * later, its index from the writers; dropped once its writers are done, the sub-buffer's
     * committed records count as lost and everything after it flows again: the records written
     * and those counted lost make every record committed, exactly.
     */
    @Test
    void aSubBufferWithAnAbandonedReservationIsDroppedAndCounted() {
        for (Mode mode : Mode.values()) {
            RingBuffer buffer = buffer(mode, new TickingClock());
            List<TestRecords.Parsed> seen = new ArrayList<>();
            long committed = 0;
            for (int i = 0; i < 8; i++) { // 6 fill the first sub-buffer, 2 open the second
                committed += put(buffer, 40, 1, committed) ? 1 : 0;
            }
            buffer.reserve(40); // abandoned: its writer threw
            for (int i = 0; i < 5; i++) { // 3 in the second, 2 in the third
                committed += put(buffer, 40, 1, committed) ? 1 : 0;
            }
            buffer.switchSubBuffer();
            consumeAll(buffer, seen);
            assertThat(seen).as("%s: the first sub-buffer is complete", mode).hasSize(6);
            long stuck = buffer.stuckSubBuffer();
            assertThat(stuck).as("%s: the consumer waits at the second", mode).isEqualTo(1);
            for (int i = 0; i < 40; i++) { // a lap: the stuck index refuses its next use
                committed += put(buffer, 40, 2, committed) ? 1 : 0;
            }
            assertThat(buffer.lost(Loss.SUB_BUFFER_BUSY) + buffer.lost(Loss.BUFFER_FULL))
                    .as("%s: writers refused meanwhile", mode)
                    .isPositive();
            assertThat(buffer.dropAbandoned(stuck + 1))
                    .as("not the stuck one: nothing dropped")
                    .isEqualTo(-1);
            assertThat(buffer.dropAbandoned(stuck))
                    .as("%s: its committed records", mode)
                    .isEqualTo(5);
            assertThat(buffer.stuckSubBuffer()).isEqualTo(-1);
            assertThat(buffer.dropAbandoned(stuck))
                    .as("a second drop drops nothing")
                    .isEqualTo(-1);
            for (int i = 0; i < 40; i++) {
                consumeAll(buffer, seen);
                committed += put(buffer, 40, 3, committed) ? 1 : 0;
            }
            buffer.switchSubBuffer();
            consumeAll(buffer, seen);
            assertThat(seen)
                    .as("%s: writers of the dropped index's next use are taken again", mode)
                    .anyMatch(parsed -> parsed.writer() == 3);
            long overwritten = 0;
            if (mode == Mode.OVERWRITE) {
                overwritten = committed - seen.size() - buffer.lost(Loss.ABANDONED); // a flight recorder's by design
            }
            assertThat(seen.size() + buffer.lost(Loss.ABANDONED) + overwritten)
                    .as("%s: written and counted lost", mode)
                    .isEqualTo(committed);
            assertThat(buffer.lost(Loss.ABANDONED)).isEqualTo(5);
        }
    }

    /** A rotation's cut: the records after it are no earlier than the time it gives. */
    @Test
    void aCutMaySayTheTimeBeforeWhichNoLaterRecordIsPlaced() {
        RingBuffer buffer = singleProducer(new TickingClock());
        assertThat(putAt(buffer, 40, 0, 100)).isTrue();
        long boundary = buffer.cut(500);
        assertThat(putAt(buffer, 40, 1, 200)).isTrue();
        buffer.switchSubBuffer();
        List<TestRecords.Parsed> seen = new ArrayList<>();
        List<SubBuffer> subs = consumeAll(buffer, seen);
        assertThat(boundary).isEqualTo(1);
        assertThat(seen).extracting(TestRecords.Parsed::timestamp).containsExactly(100L, 500L);
        assertThat(subs.get(1).beginTime()).isEqualTo(500);
    }

    @Test
    void onlyASingleProducerPlacesRecordsInThePast() {
        RingBuffer shared = buffer(Mode.DISCARD, new TickingClock());
        assertThatThrownBy(() -> shared.reserveAt(40, 1))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("only a single-producer buffer");
        RingBuffer single = singleProducer(new TickingClock());
        assertThat(single.reserveAt(10_000, 1)).as("too large").isEqualTo(-1);
        assertThat(single.lost(Loss.TOO_LARGE)).isEqualTo(1);
    }

    @Test
    void aRecordThatFillsTheSubBufferExactlyClosesIt() {
        RingBuffer buffer = buffer(Mode.DISCARD, new TickingClock());
        assertThat(put(buffer, 256 - HEADER, 1, 0)).isTrue();
        List<TestRecords.Parsed> seen = new ArrayList<>();
        List<SubBuffer> subs = consumeAll(buffer, seen);
        assertThat(subs).hasSize(1);
        assertThat(subs.getFirst().contentEnd()).isEqualTo(256);
        assertThat(seen).hasSize(1);
    }

    @Test
    void discardModeDropsNewRecordsWhenTheConsumerIsBehindAndCountsThem() {
        RingBuffer buffer = buffer(Mode.DISCARD, new TickingClock());
        int stored = 0;
        for (int i = 0; i < 20; i++) {
            stored += put(buffer, 100, 1, i) ? 1 : 0;
        }
        assertThat(stored).as("4 sub-buffers of 2 records").isEqualTo(8);
        assertThat(buffer.lost(Loss.BUFFER_FULL)).isEqualTo(12);
        List<TestRecords.Parsed> seen = new ArrayList<>();
        List<SubBuffer> subs = consumeAll(buffer, seen);
        assertThat(subs).as("the last is still open").hasSize(3);
        assertThat(subs)
                .extracting(SubBuffer::lostTotal)
                .as("closed before the losses: none up to their ends (not the 12 counted when drained)")
                .containsExactly(0L, 0L, 0L);
        assertThat(put(buffer, 100, 1, 20)).as("room again").isTrue();
        buffer.switchSubBuffer();
        assertThat(consumeAll(buffer, seen))
                .extracting(SubBuffer::lostTotal)
                .as("the 12 were lost while sub-buffer 3 was the last open: up to its end")
                .containsExactly(12L, 12L);
        assertThat(seen).extracting(TestRecords.Parsed::sequence).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 20L);
        assertThat(seen.size() + buffer.lostTotal()).isEqualTo(21);
    }

    /**
     * Losses after the newest sub-buffer closed, with none opened after it (the buffer full): no
     * later packet may ever come (the session stops), so they go with that newest one, not lost
     * from the trace.
     */
    @Test
    void lossesAfterTheNewestSubBufferGoWithItWhenNoneOpenedAfterIt() {
        RingBuffer buffer = buffer(Mode.DISCARD, new TickingClock());
        for (int i = 0; i < 8; i++) {
            assertThat(put(buffer, 100, 1, i)).isTrue(); // 4 sub-buffers of 2 records
        }
        assertThat(buffer.switchSubBuffer())
                .as("the fourth closed: the buffer is full")
                .isTrue();
        for (int i = 8; i < 13; i++) {
            assertThat(put(buffer, 100, 1, i)).as("refused: nothing consumed").isFalse();
        }
        List<SubBuffer> subs = consumeAll(buffer, new ArrayList<>());
        assertThat(subs).extracting(SubBuffer::lostTotal).containsExactly(0L, 0L, 0L, 5L);
    }

    @Test
    void overwriteModeKeepsTheNewestSubBuffersAndShowsTheGapInSequenceNumbers() {
        RingBuffer buffer = buffer(Mode.OVERWRITE, new TickingClock());
        for (int i = 0; i < 20; i++) {
            assertThat(put(buffer, 100, 1, i)).isTrue();
        }
        buffer.switchSubBuffer();
        List<TestRecords.Parsed> seen = new ArrayList<>();
        List<SubBuffer> subs = consumeAll(buffer, seen);
        assertThat(subs).extracting(SubBuffer::sequence).containsExactly(6L, 7L, 8L, 9L);
        assertThat(seen)
                .extracting(TestRecords.Parsed::sequence)
                .containsExactly(12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L);
        assertThat(buffer.overwrittenSubBuffers()).isEqualTo(6);
        assertThat(buffer.lostTotal()).isZero();
    }

    /** What one consume() of an OVERWRITE buffer handed over, and the records in it. */
    private record HandedOver(int count, List<Long> sequences, List<Long> records) {}

    /**
     * Three closed sub-buffers of two records each and an open one, then one consume() with a
     * {@code scratchBytes} scratch whose every hand-over writes a whole buffer's worth of records
     * (a hot writer while a snapshot writes a packet to disk).
     */
    private static HandedOver consumeWhileWritersFillTheBuffer(RingBuffer buffer, long scratchBytes) {
        for (int i = 0; i < 7; i++) {
            assertThat(put(buffer, 100, 1, i)).isTrue(); // sub-buffers 0 to 2 closed, 3 open
        }
        List<Long> sequences = new ArrayList<>();
        List<Long> records = new ArrayList<>();
        long[] next = {7};
        int handed = buffer.consume(
                sub -> {
                    sequences.add(sub.sequence());
                    for (TestRecords.Parsed parsed : TestRecords.parse(sub, HEADER)) {
                        records.add(parsed.sequence());
                    }
                    if (sequences.size() < 100) { // a consumer that chased the writers would go on for ever
                        for (int i = 0; i < 8; i++) {
                            put(buffer, 100, 1, next[0]++);
                        }
                    }
                },
                Arena.ofAuto().allocate(scratchBytes));
        return new HandedOver(handed, sequences, records);
    }

    /**
     * OVERWRITE: writers that fill the whole buffer while the consumer hands a sub-buffer over cost
     * the consumer nothing it had found complete: with a scratch as large as the buffer, every
     * sub-buffer is copied before the first is handed over. And the consumer stops at the
     * sub-buffer open when it was called, instead of chasing the writers. Handing each copy over
     * before copying the next lost all but the first to such writers (and, with writers that kept
     * up, never returned).
     */
    @Test
    void overwriteModeCopiesWhatItFoundCompleteBeforeHandingAnyOverAndStopsWhereTheWritersWere() {
        RingBuffer buffer = buffer(Mode.OVERWRITE, new TickingClock());
        HandedOver handed = consumeWhileWritersFillTheBuffer(buffer, 4 * 256);
        assertThat(handed.sequences())
                .as("what was complete at the call, intact")
                .containsExactly(0L, 1L, 2L);
        assertThat(handed.records()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        assertThat(handed.count()).isEqualTo(3);
        List<SubBuffer> later = consumeAll(buffer, new ArrayList<>());
        assertThat(later)
                .as("the next call takes the newest, counting the overwritten ones in between")
                .extracting(SubBuffer::sequence)
                .containsExactly(12L, 13L, 14L);
        assertThat(buffer.overwrittenSubBuffers()).isEqualTo(9);
    }

    /**
     * OVERWRITE with a scratch of one sub-buffer: the copies go one at a time, so writers that fill
     * the buffer during a hand-over overwrite the rest; the consumer still stops where the writers
     * were at the call.
     */
    @Test
    void overwriteModeWithASmallScratchStopsWhereTheWritersWereToo() {
        RingBuffer buffer = buffer(Mode.OVERWRITE, new TickingClock());
        HandedOver handed = consumeWhileWritersFillTheBuffer(buffer, 256);
        assertThat(handed.sequences())
                .as("the rest was overwritten during the hand-over")
                .containsExactly(0L);
        assertThat(handed.count()).isEqualTo(1);
        assertThat(buffer.overwrittenSubBuffers())
                .as("1 to 3, up to the oldest left intact: no later call counts them again")
                .isEqualTo(3);
    }

    /**
     * OVERWRITE: a consumer that writers lapped while it was away finds nothing stuck (the count
     * at its index is a later use's, complete or not), so that a consumer following the
     * abandoned-records protocol drops nothing; it takes the newest on its next consume. A review
     * found stuckSubBuffer() naming such a sub-buffer, and dropAbandoned() then wedging the buffer.
     */
    @Test
    void anOverwriteConsumerLappedByTheWritersFindsNothingStuck() {
        RingBuffer buffer = buffer(Mode.OVERWRITE, new TickingClock());
        for (int i = 0; i < 4; i++) {
            assertThat(put(buffer, 100, 1, i)).isTrue(); // sub-buffers 0 and 1 closed
        }
        assertThat(consumeAll(buffer, new ArrayList<>())).hasSize(1);
        for (int i = 4; i < 24; i++) {
            assertThat(put(buffer, 100, 1, i)).isTrue(); // ten more sub-buffers: a lap and more
        }
        assertThat(buffer.stuckSubBuffer()).as("lapped, not stuck").isEqualTo(-1);
        assertThat(buffer.dropAbandoned(1)).isEqualTo(-1);
        for (int i = 24; i < 40; i++) {
            assertThat(put(buffer, 100, 1, i))
                    .as("no index refuses its writers")
                    .isTrue();
        }
        assertThat(buffer.lost(Loss.SUB_BUFFER_BUSY)).isZero();
        assertThat(consumeAll(buffer, new ArrayList<>()))
                .as("the newest, complete ones")
                .hasSize(3);
    }

    @Test
    void aRecordLargerThanASubBuffersRoomIsCountedAsTooLarge() {
        RingBuffer buffer = buffer(Mode.DISCARD, new TickingClock());
        assertThat(put(buffer, 256 - HEADER + 1, 1, 0)).isFalse();
        assertThat(buffer.lost(Loss.TOO_LARGE)).isEqualTo(1);
        assertThatThrownBy(() -> buffer.reserve(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("record size 0: a record has at least");
        RingBuffer untimed = RingBuffer.builder().subBufferSize(64).build();
        assertThatThrownBy(() -> untimed.reserve(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("record size 0: a record has at least one byte");
    }

    @Test
    void aSubBufferWithAnUncommittedRecordIsNeitherConsumedNorReusedUntilItIsCommitted() {
        RingBuffer buffer = buffer(Mode.DISCARD, new TickingClock());
        long stalled = buffer.reserve(100); // a writer stalls inside sub-buffer 0
        assertThat(stalled).isNotNegative();
        int stored = 0;
        for (int i = 1; i < 20; i++) {
            stored += put(buffer, 100, 2, i) ? 1 : 0;
        }
        assertThat(stored)
                .as("sub-buffers 0 (1 more), 1, 2, 3; then 4 reuses index 0: refused")
                .isEqualTo(7);
        assertThat(buffer.lost(Loss.SUB_BUFFER_BUSY)).isEqualTo(12);
        List<TestRecords.Parsed> seen = new ArrayList<>();
        assertThat(consumeAll(buffer, seen)).as("sub-buffer 0 is incomplete").isEmpty();
        TestRecords.write(buffer, stalled, 100, 1, 0);
        buffer.commit(stalled, 100);
        assertThat(consumeAll(buffer, seen)).hasSize(3);
        assertThat(put(buffer, 100, 2, 20)).as("index 0 is free again").isTrue();
        buffer.switchSubBuffer();
        consumeAll(buffer, seen);
        assertThat(seen).extracting(TestRecords.Parsed::sequence).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 20L);
        assertThat(seen.size() + buffer.lostTotal()).isEqualTo(21);
    }

    @Test
    void theConsumerMayFillTheHeaderRoom() {
        RingBuffer buffer = buffer(Mode.DISCARD, new TickingClock());
        put(buffer, 50, 1, 0);
        buffer.switchSubBuffer();
        List<Long> headers = new ArrayList<>();
        buffer.consume(
                sub -> {
                    sub.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0xC1FC1FC1L);
                    headers.add(sub.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                    TestRecords.parse(sub, HEADER); // the records are intact
                },
                null);
        assertThat(headers).containsExactly(0xC1FC1FC1L);
    }

    @Test
    void sizesAreChecked() {
        assertThatThrownBy(() -> RingBuffer.builder().subBufferSize(100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of two");
        assertThatThrownBy(() -> RingBuffer.builder().subBufferCount(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2");
        assertThatThrownBy(() ->
                        RingBuffer.builder().subBufferSize(64).headerSize(64).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no room");
        RingBuffer overwrite = buffer(Mode.OVERWRITE, Clock.NANO_TIME);
        assertThatThrownBy(() -> overwrite.consume(sub -> {}, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scratch");
    }

    /**
     * With a timestamp in each record, a record too small to hold it is refused, and so is a
     * timestamp no record could hold (the timestamp used to land in the next sub-buffer, or beyond
     * the memory after the claim, leaving the sub-buffer uncommitted for good; a black-box test).
     */
    @Test
    void recordsTooSmallForTheirTimestampAreRefused() {
        RingBuffer buffer = RingBuffer.builder()
                .subBufferSize(64)
                .subBufferCount(2)
                .timestampAt(8)
                .build();
        assertThatThrownBy(() -> buffer.reserve(4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("record size 4: a record has at least 16 bytes here, for its timestamp at byte 8");
        long at = buffer.reserve(16);
        assertThat(at).isNotNegative();
        buffer.commit(at, 16);
        assertThatThrownBy(() -> RingBuffer.builder()
                        .subBufferSize(64)
                        .subBufferCount(2)
                        .headerSize(16)
                        .timestampAt(48)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a timestamp at byte 48 of a record leaves no room for one");
    }

    @Test
    void aBufferCanLiveInASliceOfMemoryItIsGiven() {
        MemorySegment shared = Arena.ofAuto().allocate(2 * 1024);
        RingBuffer second = RingBuffer.builder()
                .subBufferSize(256)
                .subBufferCount(4)
                .headerSize(HEADER)
                .timestampAt(TestRecords.TIMESTAMP_AT)
                .memory(shared.asSlice(1024, 1024))
                .build();
        assertThat(put(second, 100, 1, 0)).isTrue();
        second.switchSubBuffer();
        List<TestRecords.Parsed> seen = new ArrayList<>();
        consumeAll(second, seen);
        assertThat(seen).hasSize(1);
        assertThat(shared.asSlice(0, 1024).mismatch(Arena.ofAuto().allocate(1024)))
                .as("the first half is untouched")
                .isEqualTo(-1);
    }
}
