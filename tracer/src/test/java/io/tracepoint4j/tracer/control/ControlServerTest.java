package io.tracepoint4j.tracer.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket's folder and file: a folder others could enter is refused with the fix; a
 * stale file where the socket goes (an earlier JVM with this PID) is replaced; the socket is the
 * user's alone, and is gone when its last connection closes.
 */
@Timeout(60)
class ControlServerTest {
    @TempDir
    Path tmp;

    private String savedTmpdir;
    private Path folder;

    @BeforeEach
    void useATemporaryTmpdir() {
        savedTmpdir = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString());
        folder = tmp.resolve("tracepoint4j-" + System.getProperty("user.name"));
    }

    @AfterEach
    void restoreTmpdir() {
        System.setProperty("java.io.tmpdir", savedTmpdir);
    }

    @Test
    void aFolderOthersCanEnterIsRefusedWithTheFix() throws IOException {
        Files.createDirectory(
                folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        assertThatThrownBy(ControlServer::open)
                .isInstanceOf(IOException.class)
                .hasMessage(folder + " must be a folder of " + System.getProperty("user.name")
                        + " with permissions rwx------ (it is rwxr-xr-x, owned by "
                        + Files.getOwner(folder).getName() + "); remove it and try again");
        assertThat(folder).isEmptyDirectory();
    }

    @Test
    void aStaleFileIsReplacedByASocketOnlyTheUserCanUseThatGoesWithItsLastConnection() throws Exception {
        Files.createDirectory(
                folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path stale = Files.writeString(folder.resolve(ProcessHandle.current().pid() + ".sock"), "stale");

        Path socket = ControlServer.open();

        assertThat(socket).isEqualTo(stale);
        assertThat(Files.isRegularFile(socket))
                .as("a socket, not the stale file")
                .isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                .isEqualTo("rw-------");
        assertThat(ControlServer.open())
                .as("open again, for a second tool: the same socket")
                .isEqualTo(socket);
        try (SocketChannel first = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            first.connect(UnixDomainSocketAddress.of(socket));
            Thread.sleep(200); // the first tool's connection is served, then ends below
        }
        Thread.sleep(200);
        assertThat(socket)
                .as("kept for the second tool, told of it and not connected yet")
                .exists();
        try (SocketChannel second = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            second.connect(UnixDomainSocketAddress.of(socket));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Files.exists(socket) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(socket).as("closed with its last connection").doesNotExist();
    }

    /**
     * A socket opened for a tool that never connected (killed between the two) is closed and
     * deleted once unused for a while, and its thread ends: it used to wait for a connection
     * forever.
     */
    @Test
    void aSocketNoToolConnectedToGoesAfterAWhile() throws Exception {
        long saved = ControlServer.unusedCloseMillis;
        ControlServer.unusedCloseMillis = 300;
        try {
            Path socket = ControlServer.open();
            assertThat(socket).exists();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((Files.exists(socket) || acceptorRuns()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(socket).as("the unused socket").doesNotExist();
            assertThat(acceptorRuns()).as("its thread").isFalse();
            Path again = ControlServer.open();
            try (SocketChannel connection = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                connection.connect(UnixDomainSocketAddress.of(again));
                Thread.sleep(600); // two timeouts: a socket with a connection stays
                assertThat(again).as("with a connection").exists();
            }
        } finally {
            ControlServer.unusedCloseMillis = saved;
        }
    }

    private static boolean acceptorRuns() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("tracepoint4j-control"));
    }
}
