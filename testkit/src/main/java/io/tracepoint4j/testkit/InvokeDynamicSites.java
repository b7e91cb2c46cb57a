package io.tracepoint4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds the {@code invokedynamic} instructions in compiled classes. The runtime modules have none:
 * the first linkage of such a call site (string concatenation, a lambda, a record's generated
 * methods) runs bootstrap code, and when that fails in a thread near its stack limit or out of
 * memory, the JVM records the failure on the call site, which then throws the same
 * BootstrapMethodError at every later execution, in every thread (JVMS 5.4.3.6).
 */
public final class InvokeDynamicSites {
    private InvokeDynamicSites() {}

    /**
     * Every invokedynamic in the classes compiled with {@code anyClass} (the output folder or jar
     * folder it was loaded from), which must hold {@code anyClass} itself.
     */
    public static List<String> besides(Class<?> anyClass) {
        Path classes;
        try {
            classes = Path.of(
                    anyClass.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Path own = classes.resolve(anyClass.getName().replace('.', '/') + ".class");
        if (!Files.isRegularFile(own)) {
            throw new IllegalStateException(anyClass + " was not loaded from a folder of class files: " + classes);
        }
        return in(classes);
    }

    /**
     * Every invokedynamic in the class files under {@code classes} (a compiled module's output
     * folder), as {@code class.method: bootstrap name}.
     */
    public static List<String> in(Path classes) {
        List<String> sites = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                ClassModel model = ClassFile.of().parse(Files.readAllBytes(file));
                for (MethodModel method : model.methods()) {
                    CodeModel code = method.code().orElse(null);
                    if (code == null) {
                        continue;
                    }
                    code.forEach(element -> {
                        if (element instanceof InvokeDynamicInstruction indy) {
                            sites.add(model.thisClass().asInternalName().replace('/', '.') + "."
                                    + method.methodName().stringValue() + ": "
                                    + indy.name().stringValue());
                        }
                    });
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sites;
    }
}
