package io.tracepoint4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The tracer this tool brings into a target whose application has tracepoint4j's tracepoints but
 * not its tracer (docs/design/control-channel.md, "Bringing the tracer in"): the class files of the
 * tracer, ring-buffer and CTF modules, found where this tool's class loader finds them (inside
 * tracepoint4j-cli.jar, or the modules' own jars or class folders when run from a build), packed
 * into one jar in memory that the target's {@code Bootstrap.bringTracer} defines without a file.
 *
 * @param bytes the jar
 * @param version the tracepoint4j version of the classes: the Implementation-Version of the jar
 *     that holds the tracer, or "unknown" for a class folder (as {@code Tracepoints.version()}
 *     says for a tracepoint module run from one)
 */
record TracerJar(byte[] bytes, String version) {
    /** One class of each module brought, to find where the module's classes are. */
    private static final List<String> ANCHORS = List.of(
            "io/tracepoint4j/tracer/control/Channel.class",
            "io/tracepoint4j/ringbuffer/RingBuffer.class",
            "io/tracepoint4j/ctf/CtfTrace.class");

    /** The tracer of this tool. */
    static TracerJar ofThisTool() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String version = null;
        try (ZipOutputStream jar = new ZipOutputStream(bytes)) {
            for (String anchor : ANCHORS) {
                URL url = TracerJar.class.getClassLoader().getResource(anchor);
                if (url == null) {
                    throw new CommandFailure("this tp has no " + anchor + " to bring into the target: run the"
                            + " tracepoint4j-cli jar, which holds the tracer");
                }
                String module = anchor.substring(0, anchor.indexOf('/', "io/tracepoint4j/".length()) + 1);
                if (url.getProtocol().equals("jar")) {
                    Path file = Path.of(((JarURLConnection) url.openConnection())
                            .getJarFileURL()
                            .toURI());
                    try (FileSystem zip = FileSystems.newFileSystem(file)) {
                        copyClasses(zip.getPath("/"), module, jar);
                    }
                    if (version == null) {
                        version = implementationVersion(file);
                    }
                } else {
                    Path root = Path.of(url.toURI());
                    for (int i = 0; i < anchor.split("/").length; i++) {
                        root = root.getParent();
                    }
                    copyClasses(root, module, jar);
                    if (version == null) {
                        version = "unknown";
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read this tool's tracer classes: " + e.getMessage(), e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return new TracerJar(bytes.toByteArray(), version);
    }

    /** Adds the class files under {@code root/module} to {@code jar}, named from {@code root}. */
    private static void copyClasses(Path root, String module, ZipOutputStream jar) throws IOException {
        try (Stream<Path> files = Files.walk(root.resolve(module))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = root.relativize(file).toString().replace('\\', '/');
                if (name.endsWith(".class")) {
                    jar.putNextEntry(new ZipEntry(name));
                    try (InputStream in = Files.newInputStream(file)) {
                        in.transferTo(jar);
                    }
                    jar.closeEntry();
                }
            }
        }
    }

    private static String implementationVersion(Path file) throws IOException {
        try (JarFile jar = new JarFile(file.toFile())) {
            String version = jar.getManifest() == null
                    ? null
                    : jar.getManifest().getMainAttributes().getValue(Attributes.Name.IMPLEMENTATION_VERSION);
            return version != null ? version : "unknown";
        }
    }
}
