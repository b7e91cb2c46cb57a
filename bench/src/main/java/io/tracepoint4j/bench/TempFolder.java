package io.tracepoint4j.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The scratch folders of the benchmarks that write files: made under the JVM's temporary folder
 * ({@code java.io.tmpdir}), kept small while a benchmark runs, deleted at its end.
 */
final class TempFolder {

    private TempFolder() {}

    /** A new empty folder under {@code java.io.tmpdir}, named {@code tracepoint4j-PREFIX-...}. */
    static Path create(String prefix) throws IOException {
        return Files.createTempDirectory("tracepoint4j-" + prefix + "-");
    }

    /** Deletes {@code folder} and everything in it; nothing if it is null or gone. */
    static void delete(Path folder) throws IOException {
        if (folder == null || !Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** The files in {@code folder} whose names start with {@code prefix}, sorted. */
    static List<Path> files(Path folder, String prefix) throws IOException {
        try (Stream<Path> paths = Files.list(folder)) {
            return paths.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .sorted()
                    .toList();
        }
    }

    /** The sum of the files' lengths. */
    static long size(List<Path> files) throws IOException {
        long bytes = 0;
        for (Path file : files) {
            bytes += Files.size(file);
        }
        return bytes;
    }

    /**
     * Cuts {@code file} to 0 bytes while another channel may still write it. A writer that writes at
     * its own position (a positional {@link FileChannel#write(java.nio.ByteBuffer, long)}, as {@code
     * StreamFile} does) goes on at that position: the file becomes sparse (after its next write, its length is again
     * every byte ever written), and the disk holds only what was written since the cut. Dirty pages
     * cut off are dropped, never written back.
     */
    static void truncate(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
    }
}
