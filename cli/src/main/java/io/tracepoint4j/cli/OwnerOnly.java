package io.tracepoint4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The files and folders this tool makes, readable by you alone (rw-------, rwx------), as the
 * traces are: the one way it makes them, so that none is made with the umask's permissions.
 */
final class OwnerOnly {
    static final Set<PosixFilePermission> FOLDER_PERMISSIONS = PosixFilePermissions.fromString("rwx------");

    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
    private static final FileAttribute<Set<PosixFilePermission>> FILE =
            PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE);
    private static final FileAttribute<Set<PosixFilePermission>> FOLDER =
            PosixFilePermissions.asFileAttribute(FOLDER_PERMISSIONS);

    private OwnerOnly() {}

    /** A new folder; throws FileAlreadyExistsException if there is one. */
    static Path newFolder(Path folder) throws IOException {
        return Files.createDirectory(folder, FOLDER);
    }

    /** A new folder in {@code parent}, named {@code prefix} and a random part. */
    static Path newTemporaryFolder(Path parent, String prefix) throws IOException {
        return Files.createTempDirectory(parent, prefix, FOLDER);
    }

    /** A new file holding {@code content}; throws FileAlreadyExistsException if there is one. */
    static Path newFile(Path file, String content) throws IOException {
        Files.createFile(file, FILE);
        return Files.writeString(file, content);
    }

    /**
     * {@code file} opened for writing in one step: made if missing, emptied if it exists; its
     * missing folders made too.
     */
    static OutputStream write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent, FOLDER);
        }
        java.nio.channels.SeekableByteChannel channel = Files.newByteChannel(
                file,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING),
                FILE);
        try {
            // a file that was there keeps its mode on open: made yours alone, as a new one is
            Files.setPosixFilePermissions(file, OWNER_READ_WRITE);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return Channels.newOutputStream(channel);
    }

    /** Whether {@code path} is a folder itself (not a link to one) that {@code user} owns; false if it cannot tell. */
    static boolean isOwnFolder(Path path, String user) {
        try {
            PosixFileAttributes attributes =
                    Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return attributes.isDirectory() && attributes.owner().getName().equals(user);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
