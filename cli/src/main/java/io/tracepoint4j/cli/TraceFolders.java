package io.tracepoint4j.cli;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the CTF traces in the folders a user names, as babeltrace2 does: a folder holding a {@code
 * metadata} file is a trace; any other folder is searched, recursively, for such folders (a trace's
 * own subfolders are not searched). Symbolic links to folders are not followed below the named
 * folders.
 */
final class TraceFolders {
    /** The name of a CTF trace's metadata file. */
    static final String METADATA = "metadata";

    private TraceFolders() {}

    /**
     * Whether the trace {@code reader} reads was written by a flight recorder (an OVERWRITE
     * session, as its env's {@code mode} says), whose dropped packets are its design, not losses.
     */
    static boolean isFlightRecorder(io.tracepoint4j.ctf.CtfReader reader) {
        return "overwrite".equals(reader.metadata().env().get("mode"));
    }

    /** A trace found: its folder, and the path to show for it (the user's argument, or below it). */
    record Found(Path folder, String label) {}

    /**
     * The traces in {@code arguments}, in the order named, those below one argument in path order;
     * a trace named twice is read once.
     *
     * @throws CommandFailure naming the argument and the fix, if one does not exist, is not a
     *     folder, or holds no trace
     */
    static List<Found> find(List<Path> arguments) {
        List<Found> found = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        for (Path argument : arguments) {
            if (!Files.exists(argument)) {
                throw new CommandFailure("no such folder: " + argument
                        + "; name the folder a session wrote its trace into (Session.builder(NAME).output(DIR),"
                        + " ./tp demo --out DIR)");
            }
            if (!Files.isDirectory(argument)) {
                throw new CommandFailure(argument + " is a file, not a folder; name the trace's folder, the one"
                        + " holding its " + METADATA + " file and stream files");
            }
            List<Path> traces = tracesIn(argument);
            if (traces.isEmpty()) {
                throw new CommandFailure("no CTF trace in " + argument + ": neither it nor a folder below it holds a "
                        + METADATA + " file; name the folder a session wrote its trace into"
                        + " (Session.builder(NAME).output(DIR), ./tp demo --out DIR)");
            }
            for (Path trace : traces) {
                if (seen.add(realPath(trace))) {
                    found.add(new Found(trace, trace.toString())); // below the argument, as typed
                }
            }
        }
        return found;
    }

    /** The bytes of the files in {@code folder} (a trace being written: 0 while it does not exist). */
    static long bytes(Path folder) {
        long total = 0;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(folder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                total += java.nio.file.Files.size(file);
            }
        } catch (java.io.IOException e) {
            // not yet created, or a file gone meanwhile: what was counted
        }
        return total;
    }

    /** {@code folder} if it is a trace, else the traces below it, sorted by path. */
    private static List<Path> tracesIn(Path folder) {
        if (isTrace(folder)) {
            return List.of(folder);
        }
        List<Path> traces = new ArrayList<>();
        try { // through links, as babeltrace2 searches
            Files.walkFileTree(
                    folder,
                    java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS),
                    Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                            if (isTrace(dir)) {
                                traces.add(dir);
                                return FileVisitResult.SKIP_SUBTREE;
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            if (e instanceof java.nio.file.FileSystemLoopException) {
                                return FileVisitResult.CONTINUE; // a link back up: that folder is searched already
                            }
                            throw new CommandFailure("cannot search " + file
                                    + (file.equals(folder) ? "" : ", below " + folder) + ", for traces: "
                                    + io.tracepoint4j.ctf.FileErrors.reason(e, file) + "; its traces would be missing");
                        }
                    });
        } catch (IOException e) {
            throw new CommandFailure(
                    "cannot search " + folder + " for traces: " + io.tracepoint4j.ctf.FileErrors.reason(e, folder));
        }
        traces.sort(null);
        return traces;
    }

    private static boolean isTrace(Path folder) {
        return Files.isRegularFile(folder.resolve(METADATA));
    }

    private static Path realPath(Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + folder + ": " + e.getMessage());
        }
    }
}
