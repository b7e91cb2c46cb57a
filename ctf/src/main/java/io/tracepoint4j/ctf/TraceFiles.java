package io.tracepoint4j.ctf;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.Set;

/**
 * Creates a trace's folder and files readable by their owner alone (a trace may hold anything a
 * program logged: folder {@code rwx------}, files {@code rw-------}, where the file system has POSIX
 * permissions), and turns the file system's exceptions into messages that name the path, the
 * reason and the fix.
 */
final class TraceFiles {
    static final Set<PosixFilePermission> FOLDER_PERMISSIONS = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE_PERMISSIONS = PosixFilePermissions.fromString("rw-------");

    private TraceFiles() {}

    /**
     * Creates {@code folder} (and its missing parents) as {@code rwx------}, or checks that it is an
     * existing empty folder: babeltrace2 takes every file of a trace folder for a stream file.
     */
    static void createFolder(Path folder) throws IOException {
        if (Files.isDirectory(folder)) {
            Path first;
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
                Iterator<Path> iterator = entries.iterator();
                first = iterator.hasNext() ? iterator.next() : null;
            } catch (IOException e) {
                throw failure("cannot read trace folder", folder, e, "choose a folder you can read and write");
            }
            if (first != null) {
                throw new FileAlreadyExistsException(
                        null,
                        null,
                        "cannot create a trace in " + folder + ": the folder is not empty (it holds "
                                + first.getFileName() + "), and readers take every file of a trace folder for part"
                                + " of the trace; choose a new or empty folder");
            }
            return;
        }
        try {
            if (posix(folder)) {
                Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(FOLDER_PERMISSIONS));
            } else {
                Files.createDirectories(folder);
            }
        } catch (IOException e) {
            Path existing = folder.toAbsolutePath().getParent();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing != null && !Files.isDirectory(existing)) {
                IOException notFolder = new NotDirectoryException("cannot create trace folder " + folder + ": "
                        + existing + " is a file, not a folder; choose a folder you can create and write");
                notFolder.initCause(e);
                throw notFolder;
            }
            throw failure("cannot create trace folder", folder, e, "choose a folder you can create and write");
        }
    }

    /** Creates the new file {@code file} as {@code rw-------} and opens it for writing. */
    static FileChannel createFile(Path file) throws IOException {
        Set<StandardOpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            if (posix(file)) {
                FileAttribute<?> mode = PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS);
                return FileChannel.open(file, options, mode);
            }
            return FileChannel.open(file, options);
        } catch (IOException e) {
            throw failure("cannot create trace file", file, e, "check that its folder is writable and the file new");
        }
    }

    /**
     * An IOException of the same kind as {@code cause} whose message says {@code what} failed on
     * {@code path}, why (the file system's reason), and {@code fix}: "cannot create trace file
     * /t/metadata: permission denied; check that ...".
     */
    static IOException failure(String what, Path path, IOException cause, String fix) {
        String message = what + " " + path + ": " + FileErrors.reason(cause, path) + "; " + fix;
        IOException e;
        if (cause instanceof AccessDeniedException) {
            e = new AccessDeniedException(null, null, message);
        } else if (cause instanceof FileAlreadyExistsException) {
            e = new FileAlreadyExistsException(null, null, message);
        } else if (cause instanceof NoSuchFileException) {
            e = new NoSuchFileException(null, null, message);
        } else if (cause instanceof NotDirectoryException) {
            e = new NotDirectoryException(message);
        } else {
            e = new IOException(message);
        }
        e.initCause(cause);
        return e;
    }

    /** Whether the file system of {@code path} has POSIX permissions. */
    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
