package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tool's side of the control socket against a scripted target: a target that closes the socket
 * as it exits, while its process still looks alive to the tool (not the tool's child, whose exit
 * the JDK notices by polling, up to 5 s late), ends tp record's wait, and its progress line is no
 * failure: the summary follows, as for any target that exits while recording.
 */
class ControlSocketTest {
    @Test
    @Timeout(20)
    void aTargetThatClosesTheSocketEndsTheWaitAndItsProgressIsNoFailure(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("target.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
            client.connect(UnixDomainSocketAddress.of(path));
            Thread target = Thread.ofPlatform().start(() -> {
                try (SocketChannel accepted = server.accept();
                        BufferedReader in = new BufferedReader(
                                new InputStreamReader(Channels.newInputStream(accepted), StandardCharsets.UTF_8));
                        PrintWriter out = new PrintWriter(Channels.newOutputStream(accepted), true)) {
                    assertThat(in.readLine()).isEqualTo("progress");
                    out.println("ok\t0\t5");
                    // exits: closes the socket before the second progress is answered
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Process alive = new ProcessBuilder("sleep", "60").start(); // its exit not noticed yet, as it were
            StringWriter err = new StringWriter();
            try (ControlSocket control = new ControlSocket(alive.pid(), client)) {
                long start = System.nanoTime();
                control.waitForTheEnd(
                        60.0,
                        new RecordCommand.Progress(control, dir, new PrintWriter(err, true), false),
                        null,
                        new PrintWriter(err, true),
                        "record");
                assertThat((System.nanoTime() - start) / 1e9)
                        .as("ended by the closed socket, not by the 60 s")
                        .isLessThan(10);
            } finally {
                alive.destroy();
            }
            target.join();
            assertThat(err.toString()).startsWith("5 events, 0 lost,").hasLineCount(1);
        }
    }
}
