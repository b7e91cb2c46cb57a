package io.tracepoint4j.ctf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.tracepoint4j.testkit.Babeltrace;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trace's files: private permissions, clear errors for folders that cannot be created or
 * written, a stream file that stays readable up to its last complete packet when a write fails
 * (disk full), and never a trailing partial or zero region in a stream file.
 */
class FilesTest {
    @TempDir
    Path tmp;

    @Test
    void createsTheFolderAndFilesForTheOwnerAlone() throws Exception {
        assumeThat(tmp.getFileSystem().supportedFileAttributeViews()).contains("posix");
        Path folder = tmp.resolve("a/b/trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16))) {
            trace.openStream(0, 1);
            trace.openWriter(0, 2, 1024);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("a"))))
                .isEqualTo("rwx------");
        for (String file : List.of("metadata", "stream-0-1", "stream-0-2")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve(file))))
                    .as(file)
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void usesAnEmptyFolderAndRefusesOneThatHoldsAnything() throws Exception {
        CtfTrace.create(tmp, Traces.allTypes(16)).close();
        assertThat(tmp.resolve("metadata")).isRegularFile();
        assertThatThrownBy(() -> CtfTrace.create(tmp, Traces.allTypes(16)))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining(
                        "cannot create a trace in " + tmp + ": the folder is not empty (it holds metadata)")
                .hasMessageContaining("choose a new or empty folder");
    }

    @Test
    void namesThePathAndTheReasonWhenTheFolderCannotBeCreated() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        Path folder = file.resolve("trace");
        assertThatThrownBy(() -> CtfTrace.create(folder, Traces.allTypes(16)))
                .isInstanceOf(NotDirectoryException.class)
                .hasMessage("cannot create trace folder " + folder + ": " + file + " is a file, not a folder;"
                        + " choose a folder you can create and write");
        assertThatThrownBy(() -> CtfTrace.create(file, Traces.allTypes(16)))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessage("cannot create trace folder " + file + ": a file of that name exists; choose"
                        + " a folder you can create and write");
    }

    /** Even root cannot create a folder in sysfs; Linux only. */
    @Test
    void namesThePathAndTheReasonWhenTheFileSystemRefuses() {
        assumeThat(Path.of("/sys/kernel")).isDirectory();
        Path folder = Path.of("/sys/tracepoint4j-ctf-test/trace");
        assertThatThrownBy(() -> CtfTrace.create(folder, Traces.allTypes(16)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot create trace folder " + folder + ": ")
                .hasMessageContaining("choose a folder you can create and write");
    }

    /** A read-only folder (root writes anyway, so this runs as another user only). */
    @Test
    void namesThePathAndTheReasonWhenTheFolderCannotBeWritten() throws Exception {
        assumeThat(System.getProperty("user.name")).isNotEqualTo("root");
        Path folder = Files.createDirectory(tmp.resolve("read-only"));
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-x------"));
        try {
            assertThatThrownBy(() -> CtfTrace.create(folder, Traces.allTypes(16)))
                    .isInstanceOf(java.nio.file.AccessDeniedException.class)
                    .hasMessageContaining(
                            "cannot create trace file " + folder.resolve("metadata") + ": permission denied");
        } finally {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /**
     * The disk fills up in the middle of a packet: append cuts the file back to its last complete
     * packet and says so; babeltrace2 and the reader read the trace up to there. When space comes
     * back, the stream goes on, and the lost packet shows as one discarded packet.
     */
    @Test
    void aWriteThatFailsLeavesTheFileReadableUpToItsLastCompletePacket() throws Exception {
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16));
                Arena arena = Arena.ofConfined()) {
            Path path = folder.resolve("stream-0-1");
            FailingChannel channel = new FailingChannel(TraceFiles.createFile(path));
            PacketLayout layout = trace.metadata().packetLayout(0);
            try (StreamFile stream = new StreamFile(trace, path, channel, layout, 1)) {
                PacketFields fields = stream.newPacketFields();
                MemorySegment subBuffer = arena.allocate(256);
                for (int seq = 0; seq < 3; seq++) {
                    appendEmptyEvent(stream, fields, subBuffer, seq, 1000 * (seq + 1));
                }
                channel.budget = 100; // the fourth packet: 100 of its 256 bytes, then the disk is full
                assertThatThrownBy(() -> appendEmptyEvent(stream, fields, subBuffer, 3, 4000))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("writing a packet of 256 bytes to stream file " + path
                                + " failed after 100 bytes (No space left on device)")
                        .hasMessageContaining("the file was cut back to its last complete packet (768 bytes, 3 packets)"
                                + " and stays readable");
                assertThat(Files.size(path)).isEqualTo(768).isEqualTo(stream.size());
                assertThat(stream.packetCount()).isEqualTo(3);
                assertThat(Babeltrace.run(folder).clean().stdout())
                        .containsExactly(
                                "[22:13:20.000001000] (+?.?????????) testhost test:empty: { tid = 0 }, { }",
                                "[22:13:20.000002000] (+0.000001000) testhost test:empty: { tid = 0 }, { }",
                                "[22:13:20.000003000] (+0.000001000) testhost test:empty: { tid = 0 }, { }");
                try (CtfReader reader = CtfReader.open(folder)) {
                    assertThat(reader.events()).hasSize(3);
                }
                channel.budget = Long.MAX_VALUE; // space again: packet 3 is lost, packet 4 follows
                appendEmptyEvent(stream, fields, subBuffer, 4, 5000);
                assertThat(Files.size(path)).isEqualTo(1024);
            }
        }
        Babeltrace.Run run = Babeltrace.run(folder);
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).hasSize(4);
        assertThat(run.stderr())
                .startsWith("WARNING: Tracer discarded 1 packet between [22:13:20.000003010] and"
                        + " [22:13:20.000005000]");
        try (CtfReader reader = CtfReader.open(folder)) {
            assertThat(reader.droppedPackets()).isEqualTo(1);
            assertThat(reader.events()).hasSize(4);
        }
    }

    /** If the file cannot be cut back either, the stream refuses to go on and says what is whole. */
    @Test
    void aFailureThatCannotBeUndoneMakesTheStreamUnusable() throws Exception {
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16));
                Arena arena = Arena.ofConfined()) {
            Path path = folder.resolve("stream-0-1");
            FailingChannel channel = new FailingChannel(TraceFiles.createFile(path));
            StreamFile stream =
                    new StreamFile(trace, path, channel, trace.metadata().packetLayout(0), 1);
            PacketFields fields = stream.newPacketFields();
            MemorySegment subBuffer = arena.allocate(256);
            appendEmptyEvent(stream, fields, subBuffer, 0, 1000);
            channel.budget = 10;
            channel.failTruncate = true;
            assertThatThrownBy(() -> appendEmptyEvent(stream, fields, subBuffer, 1, 2000))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("and cutting the file back to its last complete packet failed too")
                    .hasMessageContaining("only its first 256 bytes (1 packets) are whole; truncate it to that length");
            channel.budget = Long.MAX_VALUE;
            assertThatThrownBy(() -> appendEmptyEvent(stream, fields, subBuffer, 2, 3000))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("is unusable since an earlier write failed and could not be undone");
            stream.close();
        }
    }

    /**
     * A packet is written as packet_size bytes, however large its buffer: the rest of a sub-buffer
     * never reaches the file, and a file is exactly its packets.
     */
    @Test
    void writesExactlyPacketSizeBytesOfALargerBuffer() throws Exception {
        Path folder = tmp.resolve("trace");
        long eventsOffset = Traces.allTypes(16).packetLayout(0).eventsOffset();
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16));
                Arena arena = Arena.ofConfined()) {
            StreamFile stream = trace.openStream(0, 1);
            PacketLayout layout = stream.layout();
            PacketFields fields = stream.newPacketFields();
            MemorySegment subBuffer = arena.allocate(4096);
            long[] sizes = {eventsOffset + 10, 300, 1000};
            long total = 0;
            for (int seq = 0; seq < sizes.length; seq++) {
                long end = EventEncoder.eventHeader(subBuffer, layout.eventsOffset(), layout, Traces.EMPTY.id(), seq);
                fields.timestampBegin(seq)
                        .timestampEnd(seq)
                        .contentSize(end)
                        .packetSize(sizes[seq])
                        .sequenceNumber(seq);
                Packets.finish(subBuffer, fields);
                stream.append(subBuffer);
                total += sizes[seq];
                assertThat(Files.size(folder.resolve("stream-0-1")))
                        .isEqualTo(total)
                        .isEqualTo(stream.size());
            }
            // a buffer smaller than its packet_size is refused, the file left as it was
            MemorySegment small = subBuffer.asSlice(0, 500);
            fields.sequenceNumber(3).packetSize(1000);
            Packets.finish(subBuffer, fields);
            assertThatThrownBy(() -> stream.append(small))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(
                            "packet_size (1000 bytes) is larger than the segment (500 bytes); pass the whole packet");
            assertThat(Files.size(folder.resolve("stream-0-1"))).isEqualTo(total);
        }
        Babeltrace.run(folder).clean();
        try (CtfReader reader = CtfReader.open(folder)) {
            assertThat(reader.packets())
                    .extracting(CtfPacket::packetSize)
                    .containsExactly(eventsOffset + 10, 300L, 1000L);
        }
    }

    /** The controls: trailing zeros or a partial packet are what babeltrace2 and the reader refuse. */
    @Test
    void aTrailingZeroOrPartialRegionBreaksTheTrace() throws Exception {
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16))) {
            StreamWriter out = trace.openWriter(0, 1, 1024);
            Traces.empty(out, 1000);
            Traces.empty(out, 2000);
        }
        Path stream = folder.resolve("stream-0-1");
        long whole = Files.size(stream);
        Babeltrace.run(folder).clean();

        Files.write(stream, new byte[100], StandardOpenOption.APPEND); // a preallocated, untruncated tail
        Babeltrace.Run zeros = Babeltrace.run(folder);
        assertThat(zeros.exitCode()).isNotZero();
        assertThat(zeros.stderr()).contains("Invalid CTF magic number");
        assertThatThrownBy(() -> CtfReader.open(folder))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(
                        "stream file " + stream + ", offset " + whole + ": magic number 0x0 is not 0xc1fc1fc1");

        try (var channel = java.nio.channels.FileChannel.open(stream, StandardOpenOption.WRITE)) {
            channel.truncate(whole - 10); // a packet cut short
        }
        Babeltrace.Run partial = Babeltrace.run(folder);
        assertThat(partial.exitCode()).isNotZero();
        assertThat(partial.stderr()).contains("Invalid packet size");
        IOException cut =
                org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> CtfReader.open(folder));
        java.util.regex.Matcher fix = java.util.regex.Pattern.compile(
                        "offset (\\d+): .*the file ends in a partial packet; to read the packets before it \\(babeltrace2"
                                + " too\\), once no tracer writes it any more, cut the file there: truncate -s (\\d+)"
                                + " '(.*)'$")
                .matcher(cut.getMessage());
        assertThat(fix.find()).as(cut.getMessage()).isTrue();
        assertThat(fix.group(2)).as("cut where the partial packet starts").isEqualTo(fix.group(1));
        assertThat(fix.group(3)).isEqualTo(stream.toString());
        try (var channel = java.nio.channels.FileChannel.open(stream, StandardOpenOption.WRITE)) {
            channel.truncate(Long.parseLong(fix.group(2))); // the fix the message gives
        }
        Babeltrace.run(folder).clean();
        try (CtfReader reader = CtfReader.open(folder)) {
            assertThat(reader.streamFiles()).contains(stream);
        }
    }

    /** A StreamWriter's file is its packets alone: no empty packet, nothing after the last. */
    @Test
    void aWritersFileIsExactlyItsPackets() throws Exception {
        Path folder = tmp.resolve("trace");
        try (CtfTrace trace = CtfTrace.create(folder, Traces.allTypes(16))) {
            StreamWriter idle = trace.openWriter(0, 1, 1024);
            idle.flush();
            StreamWriter busy = trace.openWriter(0, 2, 200);
            for (int i = 0; i < 30; i++) {
                Traces.floats(busy, i, i, i);
            }
        }
        assertThat(Files.size(folder.resolve("stream-0-1"))).isZero();
        try (CtfReader reader = CtfReader.open(folder)) {
            long sum = 0;
            for (CtfPacket packet : reader.packets()) {
                assertThat(packet.contentSize()).isEqualTo(packet.packetSize());
                sum += packet.packetSize();
            }
            assertThat(Files.size(folder.resolve("stream-0-2"))).isEqualTo(sum);
            assertThat(reader.events()).hasSize(30);
        }
        Babeltrace.run(folder).clean();
    }

    /**
     * Event classes added while a trace is written are forced to the device once, before the next
     * packet, not each on its own (a session recording thousands of tracepoints, defined in
     * class initializers, paid a device flush per tracepoint on the defining thread).
     */
    @Test
    void classesAddedBetweenPacketsAreForcedOnceBeforeTheNextPacket() throws Exception {
        Path folder = tmp.resolve("trace");
        FailingChannel[] metadata = new FailingChannel[1];
        try (CtfTrace trace =
                CtfTrace.create(folder, Traces.allTypes(16), channel -> metadata[0] = new FailingChannel(channel))) {
            assertThat(metadata[0].forced)
                    .as("the metadata written at create()")
                    .isEqualTo(1);
            for (int id = 100; id < 103; id++) {
                trace.addEventClass(0, EventClass.of(id, "late:e" + id));
            }
            assertThat(metadata[0].forced).as("adding classes forces nothing").isEqualTo(1);
            StreamWriter out = trace.openWriter(0, 1, 4096);
            out.commit(out.begin(102, 1000, 0));
            out.flush();
            assertThat(metadata[0].forced).as("once, before the packet").isEqualTo(2);
            out.commit(out.begin(101, 2000, 0));
            out.flush();
            assertThat(metadata[0].forced).as("nothing new: no force").isEqualTo(2);
        }
        assertThat(Babeltrace.run(folder).clean().stdout()).hasSize(2);
    }

    /**
     * The metadata is forced before a packet that may use a class added since is written, and a
     * force that fails (an I/O error at write-back) keeps those classes pending: every packet
     * append fails (that packet lost, as any whose write fails) until a force works, so no packet
     * reaches a file ahead of its class, and the trace reads whole. Found by review: the failed force used to forget the classes, and a
     * writer's later packet, holding an event of one, made a trace no reader could decode.
     */
    @Test
    void aFailedMetadataForceHoldsEveryPacketBackUntilOneWorks() throws Exception {
        Path folder = tmp.resolve("trace");
        FailingChannel[] metadata = new FailingChannel[1];
        try (CtfTrace trace =
                CtfTrace.create(folder, Traces.allTypes(16), channel -> metadata[0] = new FailingChannel(channel))) {
            trace.addEventClass(0, EventClass.of(100, "late:x", Field.of("x", FieldType.INT32)));
            StreamWriter a = trace.openWriter(0, 1, 4096);
            long at = a.begin(100, 1000, 4); // accepted: the class is declared
            a.commit(EventEncoder.putInt(a.segment(), at, 7));
            StreamWriter b = trace.openWriter(0, 2, 4096);
            b.commit(b.begin(Traces.EMPTY.id(), 2000, 0));
            metadata[0].forceFailures = 1;
            assertThatThrownBy(b::flush)
                    .as("another stream's packet: the force fails, and that packet is lost")
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot write trace metadata");
            assertThat(Files.size(folder.resolve("stream-0-2"))).isZero();
            a.flush(); // the force works now: the class is on the device, then a's packet with its event
            assertThat(trace.metadata().streamClass(0).eventClass(100)).isNotNull();
        }
        try (CtfReader reader = CtfReader.open(folder)) {
            assertThat(reader.events())
                    .singleElement()
                    .satisfies(e -> assertThat(e.name()).isEqualTo("late:x"));
        }
        assertThat(Babeltrace.run(folder).clean().stdout())
                .singleElement()
                .satisfies(l -> assertThat(l).contains("late:x").contains("x = 7"));
    }

    private static void appendEmptyEvent(
            StreamFile stream, PacketFields fields, MemorySegment subBuffer, long seq, long t) throws IOException {
        PacketLayout layout = stream.layout();
        long end = EventEncoder.eventHeader(subBuffer, layout.eventsOffset(), layout, Traces.EMPTY.id(), t);
        fields.timestampBegin(t)
                .timestampEnd(t + 10)
                .contentSize(end)
                .packetSize(subBuffer.byteSize())
                .sequenceNumber(seq);
        Packets.finish(subBuffer, fields);
        stream.append(subBuffer);
    }
}
