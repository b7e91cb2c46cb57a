package io.tracepoint4j;

import static java.lang.constant.ConstantDescs.CD_Enum;
import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_String;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import io.tracepoint4j.Tracepoint.Definition;
import java.lang.classfile.ClassBuilder;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.TypeKind;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Consumer;

/**
 * Writes, with {@code java.lang.classfile}, the probe class that hands a prototype's arguments to an
 * {@link ArgumentWriter} ({@link Tracepoint#writerProbe}): one hidden class per prototype, defined
 * where the prototype's tracepoint classes are (see HostLookup), its instances each holding one
 * writer.
 *
 * <pre>{@code
 * final class Writer$Request implements Request {
 *     private final ArgumentWriter writer;            // a trusted final: folds for a bound-in probe
 *
 *     Writer$Request(ArgumentWriter writer) { this.writer = writer; }
 *
 *     public void request(String method, int status, long nanos) {
 *         ArgumentWriter w = writer;
 *         long handle = w.begin(w.sizeOfString(method));   // the size pass: String, byte[] only
 *         if (handle < 0) return;
 *         long cursor = handle;
 *         cursor = w.writeString(cursor, method);
 *         cursor = w.writeInt(cursor, status);
 *         cursor = w.writeLong(cursor, nanos);
 *         w.end(handle, cursor);
 *     }
 *
 *     public String toString() { return writer.toString(); }  // what failure reports name
 * }
 * }</pre>
 *
 * <p>A registered probe is a constant of the tracepoint's dispatch target ([SC] in ProbeUpdates),
 * and the writer a trusted final field of it, so C2 inlines the writer's methods into the firing as
 * it would a hand-written probe's. Nothing here is shared between threads but the class, made once
 * per prototype under the PerPrototype's monitor (a leaf lock, as in TracepointClassGenerator).
 */
final class WriterProbeGenerator {
    private static final ClassDesc CD_WRITER = TracepointClassGenerator.desc(ArgumentWriter.class);
    private static final String WRITER = "writer";
    private static final MethodTypeDesc MTD_INIT = MethodTypeDesc.of(CD_void, CD_WRITER);
    private static final MethodTypeDesc MTD_TO_STRING = MethodTypeDesc.of(CD_String);

    private WriterProbeGenerator() {}

    /** A new probe of {@code definition}'s prototype handing each firing's arguments to {@code writer}. */
    static <P> P probe(Definition<P> definition, ArgumentWriter writer) {
        try {
            return definition
                    .prototype()
                    .cast(CLASSES.get(definition.prototype())
                            .constructor(definition)
                            .invokeExact(writer));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot make a writer probe for tracepoint " + definition.name(), e);
        }
    }

    /** Each prototype's writer-probe class, once made: held by the prototype's Class, and unloaded with it. */
    private static final ClassValue<PerPrototype> CLASSES = new ClassValue<>() {
        @Override
        protected PerPrototype computeValue(Class<?> prototype) {
            return new PerPrototype();
        }
    };

    /**
     * The writer of {@code probe} if it is a writer probe of {@code definition}'s prototype, else
     * null. For the rare path of Tracepoint.firedTooDeep(): takes the PerPrototype's monitor.
     */
    static ArgumentWriter writerOf(Definition<?> definition, Object probe) {
        try {
            MethodHandle writer = CLASSES.get(definition.prototype()).writerGetter(probe.getClass());
            return writer == null ? null : (ArgumentWriter) writer.invokeExact(probe);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e); // a getter of a final field throws nothing else
        }
    }

    private static final class PerPrototype {
        private MethodHandle constructor; // guarded by this
        private Class<?> probeClass; // guarded by this
        private MethodHandle writerGetter; // guarded by this

        /** {@code (ArgumentWriter)Object}. */
        synchronized MethodHandle constructor(Definition<?> definition) throws ReflectiveOperationException {
            if (constructor == null) {
                MethodHandles.Lookup hidden = define(definition);
                probeClass = hidden.lookupClass();
                writerGetter = hidden.findGetter(probeClass, WRITER, ArgumentWriter.class)
                        .asType(MethodType.methodType(ArgumentWriter.class, Object.class));
                constructor = hidden.findConstructor(
                                probeClass, MethodType.methodType(void.class, ArgumentWriter.class))
                        .asType(MethodType.methodType(Object.class, ArgumentWriter.class));
            }
            return constructor;
        }

        /** {@code (Object)ArgumentWriter}, the getter of the writer, if {@code type} is the writer-probe class; else null. */
        synchronized MethodHandle writerGetter(Class<?> type) {
            return type == probeClass ? writerGetter : null;
        }
    }

    private static MethodHandles.Lookup define(Definition<?> definition) throws ReflectiveOperationException {
        MethodHandles.Lookup host = HostLookup.of(definition);
        ClassDesc self = ClassDesc.of(
                host.lookupClass().getPackageName(),
                "Writer$" + definition.prototype().getSimpleName());
        byte[] bytes = TracepointClassGenerator.classFileFor(definition).build(self, new ClassWriter(self, definition));
        return host.defineHiddenClass(bytes, true);
    }

    /** Writes the class; a class, not lambdas (no invokedynamic: see Tracepoint's design note). */
    private static final class ClassWriter implements Consumer<ClassBuilder> {
        private final ClassDesc self;
        private final Definition<?> definition;
        private final MethodTypeDesc methodType;

        ClassWriter(ClassDesc self, Definition<?> definition) {
            this.self = self;
            this.definition = definition;
            this.methodType = TracepointClassGenerator.methodType(definition);
        }

        @Override
        public void accept(ClassBuilder cls) {
            cls.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER | ClassFile.ACC_SYNTHETIC);
            cls.withInterfaceSymbols(TracepointClassGenerator.desc(definition.prototype()));
            cls.withField(WRITER, CD_WRITER, ClassFile.ACC_PRIVATE | ClassFile.ACC_FINAL);
            cls.withMethodBody(INIT_NAME, MTD_INIT, 0, new Body(this, Part.CONSTRUCTOR));
            cls.withMethodBody(
                    definition.method().getName(),
                    methodType,
                    ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL,
                    new Body(this, Part.PROBE));
            cls.withMethodBody(
                    "toString",
                    MTD_TO_STRING,
                    ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL,
                    new Body(this, Part.TO_STRING));
        }

        private void constructor(CodeBuilder code) {
            code.aload(0)
                    .invokespecial(CD_Object, INIT_NAME, MTD_void)
                    .aload(0)
                    .aload(1)
                    .putfield(self, WRITER, CD_WRITER)
                    .return_();
        }

        /** The firing: the size pass, begin, one write per argument threading the cursor, end. */
        private void probe(CodeBuilder code) {
            int writer = code.allocateLocal(TypeKind.REFERENCE);
            int handle = code.allocateLocal(TypeKind.LONG);
            int cursor = code.allocateLocal(TypeKind.LONG);
            Label skip = code.newLabel();
            code.aload(0).getfield(self, WRITER, CD_WRITER).astore(writer);
            code.aload(writer).iconst_0(); // begin's receiver, then the sum of the variable sizes
            for (int i = 0; i < methodType.parameterCount(); i++) {
                Class<?> type = definition.arguments().get(i).type();
                if (type == String.class || type == byte[].class) {
                    code.aload(writer).aload(code.parameterSlot(i));
                    code.invokeinterface(
                            CD_WRITER,
                            type == String.class ? "sizeOfString" : "sizeOfBytes",
                            MethodTypeDesc.of(CD_int, TracepointClassGenerator.desc(type)));
                    code.iadd();
                }
            }
            code.invokeinterface(CD_WRITER, "begin", MethodTypeDesc.of(CD_long, CD_int))
                    .lstore(handle);
            code.lload(handle).lconst_0().lcmp().iflt(skip);
            code.lload(handle).lstore(cursor);
            for (int i = 0; i < methodType.parameterCount(); i++) {
                Class<?> type = definition.arguments().get(i).type();
                code.aload(writer).lload(cursor);
                code.loadLocal(TypeKind.from(methodType.parameterType(i)), code.parameterSlot(i));
                code.invokeinterface(
                        CD_WRITER, writeMethod(type), MethodTypeDesc.of(CD_long, CD_long, writeParameter(type)));
                code.lstore(cursor);
            }
            code.aload(writer)
                    .lload(handle)
                    .lload(cursor)
                    .invokeinterface(CD_WRITER, "end", MethodTypeDesc.of(CD_void, CD_long, CD_long));
            code.labelBinding(skip).return_();
        }

        private void toStringMethod(CodeBuilder code) {
            code.aload(0)
                    .getfield(self, WRITER, CD_WRITER)
                    .invokevirtual(CD_Object, "toString", MTD_TO_STRING)
                    .areturn();
        }
    }

    /** The ArgumentWriter method for an argument of {@code type} (Prototypes admits no other types). */
    private static String writeMethod(Class<?> type) {
        if (type.isEnum()) {
            return "writeEnum";
        }
        if (type == String.class) {
            return "writeString";
        }
        if (type == byte[].class) {
            return "writeBytes";
        }
        String name = type.getName(); // a primitive: int -> writeInt
        return "write" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    private static ClassDesc writeParameter(Class<?> type) {
        return type.isEnum() ? CD_Enum : TracepointClassGenerator.desc(type);
    }

    private enum Part {
        CONSTRUCTOR,
        PROBE,
        TO_STRING
    }

    private static final class Body implements Consumer<CodeBuilder> {
        private final ClassWriter writer;
        private final Part part;

        Body(ClassWriter writer, Part part) {
            this.writer = writer;
            this.part = part;
        }

        @Override
        public void accept(CodeBuilder code) {
            switch (part) {
                case CONSTRUCTOR -> writer.constructor(code);
                case PROBE -> writer.probe(code);
                case TO_STRING -> writer.toStringMethod(code);
            }
        }
    }
}
