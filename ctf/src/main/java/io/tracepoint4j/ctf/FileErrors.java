package io.tracepoint4j.ctf;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * The file system's reason for an I/O failure, in words, for one-line errors: the JDK's file
 * exceptions carry only the path as their message ({@code NoSuchFileException: /t/x}), which says
 * where but not what went wrong. The traces' own errors use it, and so do the tools' around them.
 */
public final class FileErrors {
    private FileErrors() {}

    /**
     * Why {@code e} happened, in words ("permission denied", "no such file or folder", ...), naming
     * the file it concerns when that is not {@code path} (null: always named).
     */
    public static String reason(IOException e, Path path) {
        String file = e instanceof FileSystemException fse ? fse.getFile() : null;
        String where = file != null && (path == null || !file.equals(path.toString())) ? " (" + file + ")" : "";
        if (e instanceof AccessDeniedException) {
            return "permission denied" + where;
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file of that name exists" + where;
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or folder" + where;
        }
        if (e instanceof NotDirectoryException) {
            return "not a folder" + where;
        }
        String other = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
        return (other != null ? other : e.getClass().getSimpleName()) + where;
    }
}
