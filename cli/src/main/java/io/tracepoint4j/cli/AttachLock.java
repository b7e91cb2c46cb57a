package io.tracepoint4j.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Keeps an attach to one JVM whole, from {@link TargetJvm#attach} to {@link TargetJvm#close()}:
 * tools attaching to the same JVM take turns, and a Ctrl-C in the middle waits until the attach is
 * undone (the JMX agent stopped, the password files deleted).
 */
final class AttachLock {
    /*
     * Design note.
     *
     * Turns: a JVM runs one JMX agent, so a tool that attached while another's agent ran would find
     *   it started. Tools take turns per target PID: a file lock on PID.attach in
     *   $TMPDIR/tracepoint4j-tp-$USER (rwx------, this user's alone; the OS releases the lock of a
     *   tool that dies), and before it, for tools in one JVM (the tests run several), a lock per PID
     *   in this JVM, since a JVM holds a file lock once and refuses it to its other threads. A tool
     *   waits WAIT_SECONDS at most, then says which PID is busy. The lock files stay (one deleted
     *   while a tool waits on it would let a third lock a new file beside it); those of PIDs that
     *   are gone are deleted by the next tool.
     *
     * Ctrl-C: a shutdown hook, added with the lock and removed at its release, holds the exit
     *   (Tp.FINISH_SECONDS at most) until the release, which TargetJvm.close() does last.
     */

    /** The longest a tool waits for another tool's attach to the same JVM. */
    static final long WAIT_SECONDS = 60;

    /** Per PID, a permit for the tools of this JVM (a semaphore: close() may run on another thread). */
    private static final ConcurrentHashMap<Long, Semaphore> IN_THIS_JVM = new ConcurrentHashMap<>();

    private final Semaphore inThisJvm;
    private final FileChannel file;
    private final FileLock lock;
    private final CountDownLatch released = new CountDownLatch(1);
    private final Thread hook = new Thread(this::holdExit, "tp: finishing the attach");

    private AttachLock(Semaphore inThisJvm, FileChannel file, FileLock lock) {
        this.inThisJvm = inThisJvm;
        this.file = file;
        this.lock = lock;
    }

    /**
     * Takes the attach to {@code pid}, waiting for another tool's.
     *
     * @throws CommandFailure if the lock's folder is unusable, or another tool holds the lock too long
     */
    static AttachLock take(long pid) {
        Semaphore inThisJvm = IN_THIS_JVM.computeIfAbsent(pid, p -> new Semaphore(1));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        try {
            if (!inThisJvm.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw busy(pid);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure("interrupted while waiting to attach to PID " + pid);
        }
        FileChannel file = null;
        try {
            Path folder = folder();
            deleteLocksOfEndedPids(folder);
            file = FileChannel.open(
                    folder.resolve(pid + ".attach"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            while ((lock = file.tryLock()) == null) {
                if (System.nanoTime() > deadline) {
                    throw busy(pid);
                }
                Thread.sleep(20);
            }
            AttachLock taken = new AttachLock(inThisJvm, file, lock);
            Runtime.getRuntime().addShutdownHook(taken.hook);
            return taken;
        } catch (IOException | RuntimeException | InterruptedException e) {
            closeQuietly(file);
            inThisJvm.release();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof CommandFailure failure
                    ? failure
                    : new CommandFailure("cannot lock the attach to PID " + pid + ": " + e.getMessage());
        }
    }

    /** Lets the next tool attach, and a Ctrl-C's exit go on. Idempotent enough: called once. */
    void release() {
        try {
            lock.release();
        } catch (IOException e) {
            // released with the file
        }
        closeQuietly(file);
        inThisJvm.release();
        released.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            // Ctrl-C: the hook runs, and returns now
        }
    }

    private void holdExit() {
        try {
            released.await(Tp.FINISH_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static CommandFailure busy(long pid) {
        return new CommandFailure("another tp has been attaching to PID " + pid + " for " + WAIT_SECONDS
                + " s; try again when it is done");
    }

    /** $TMPDIR/tracepoint4j-tp-$USER, made if missing, refused unless this user's alone. */
    private static Path folder() throws IOException {
        String user = System.getProperty("user.name");
        Path folder = Path.of(System.getProperty("java.io.tmpdir"), "tracepoint4j-tp-" + user);
        try {
            OwnerOnly.newFolder(folder);
        } catch (FileAlreadyExistsException e) {
            // made before, or by a tool racing with this one: checked below
        }
        PosixFileAttributes attributes =
                Files.readAttributes(folder, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isDirectory()
                || !attributes.permissions().equals(OwnerOnly.FOLDER_PERMISSIONS)
                || !attributes.owner().getName().equals(user)) {
            throw new IOException(folder + " must be a folder of " + user + " with permissions rwx------; remove it");
        }
        return folder;
    }

    /** Deletes the lock files of PIDs that are gone (no tool can be attaching to them). */
    private static void deleteLocksOfEndedPids(Path folder) {
        try (DirectoryStream<Path> locks = Files.newDirectoryStream(folder, "*.attach")) {
            for (Path lock : locks) {
                String name = lock.getFileName().toString();
                String pid = name.substring(0, name.length() - ".attach".length());
                if (!pid.isEmpty()
                        && pid.length() < 19
                        && pid.chars().allMatch(Character::isDigit)
                        && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                    Files.deleteIfExists(lock);
                }
            }
        } catch (IOException | RuntimeException e) {
            // left for the next tool
        }
    }

    private static void closeQuietly(FileChannel file) {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                // nothing held
            }
        }
    }
}
