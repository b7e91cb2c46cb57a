package io.tracepoint4j;

import static java.lang.constant.ConstantDescs.CD_Enum;
import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_String;
import static java.lang.constant.ConstantDescs.CD_boolean;
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
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes, with {@code java.lang.classfile}, the probe classes the library generates per prototype,
 * for consumers that do not know the prototype at compile time: one hidden class per prototype and
 * kind (and event-time argument), defined where the prototype's tracepoint classes are (see
 * HostLookup).
 *
 * <p>A writer probe ({@link Tracepoint#writerProbe}) hands the arguments to an {@link
 * ArgumentWriter}:
 *
 * <pre>{@code
 * final class Writer$Request implements Request {
 *     private final ArgumentWriter writer;            // a trusted final: folds for a bound-in probe
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
 * <p>A tracepoint whose event time is its argument {@code nanos} ({@link
 * Tracepoint.Builder#eventTime}) gets a class of its own that calls {@code w.begin(size, nanos)}.
 *
 * <p>A filtered probe ({@link Tracepoint#filteredProbe}) runs another probe when an {@link
 * ArgumentFilter} accepts the arguments:
 *
 * <pre>{@code
 * final class Filtered$Request implements Request {
 *     private final ArgumentFilter filter;            // trusted finals, as above
 *     private final Request probe;
 *
 *     public void request(String method, int status, long nanos) {
 *         ArgumentFilter f = filter;
 *         long state = f.begin();
 *         state = f.testString(state, 0, method);
 *         state = f.testInt(state, 1, status);
 *         state = f.testLong(state, 2, nanos);
 *         if (f.accept(state)) probe.request(method, status, nanos);
 *     }
 *
 *     public String toString() { return filter.toString(); }
 * }
 * }</pre>
 *
 * <p>A registered probe is a constant of the tracepoint's dispatch target ([SC] in ProbeUpdates),
 * and its fields trusted finals, so C2 inlines the writer's or filter's methods (and the guarded
 * probe) into the firing as it would a hand-written probe's. Nothing here is shared between threads
 * but the classes, made once per prototype and kind under the PerPrototype's monitor (a leaf lock,
 * as in TracepointClassGenerator).
 */
final class GeneratedProbes {
    private static final ClassDesc CD_WRITER = TracepointClassGenerator.desc(ArgumentWriter.class);
    private static final ClassDesc CD_FILTER = TracepointClassGenerator.desc(ArgumentFilter.class);
    private static final MethodTypeDesc MTD_TO_STRING = MethodTypeDesc.of(CD_String);

    private GeneratedProbes() {}

    /** A new probe of {@code definition}'s prototype handing each firing's arguments to {@code writer}. */
    static <P> P writerProbe(Definition<P> definition, ArgumentWriter writer) {
        return make(definition, Kind.WRITER, writer, null);
    }

    /** A new probe of {@code definition}'s prototype that runs {@code probe} when {@code filter} accepts. */
    static <P> P filteredProbe(Definition<P> definition, ArgumentFilter filter, P probe) {
        return make(definition, Kind.FILTERED, filter, probe);
    }

    private static <P> P make(Definition<P> definition, Kind kind, Object first, P second) {
        try {
            MethodHandle constructor = CLASSES.get(definition.prototype()).of(kind, definition).constructor;
            return definition.prototype().cast(constructor.invokeExact(first, (Object) second));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(
                    "cannot make a " + kind.prefix + " probe for tracepoint " + definition.name(), e);
        }
    }

    /**
     * The writer of {@code probe} if it is a writer probe of {@code definition}'s prototype, or a
     * filtered probe guarding one (however deep); else null. For the rare path of
     * Tracepoint.firedTooDeep(): takes the PerPrototype's monitor.
     */
    static ArgumentWriter writerOf(Definition<?> definition, Object probe) {
        PerPrototype classes = CLASSES.get(definition.prototype());
        try {
            Object current = probe;
            MethodHandle guarded;
            while ((guarded = classes.getter(Kind.FILTERED, current.getClass())) != null) {
                current = guarded.invokeExact(current);
            }
            MethodHandle writerGetter = classes.getter(Kind.WRITER, current.getClass());
            if (writerGetter == null) {
                return null;
            }
            Object writer = writerGetter.invokeExact(current); // (Object)Object: see Made
            return (ArgumentWriter) writer;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e); // a getter of a final field throws nothing else
        }
    }

    /** Each prototype's generated classes, once made: held by the prototype's Class, and unloaded with it. */
    private static final ClassValue<PerPrototype> CLASSES = new ClassValue<>() {
        @Override
        protected PerPrototype computeValue(Class<?> prototype) {
            return new PerPrototype();
        }
    };

    /** What a probe's class is generated for; the constructor takes (first, second) of these types. */
    private enum Kind {
        /** Writer$P(ArgumentWriter writer): the getter returns the writer. */
        WRITER("Writer", "writer", CD_WRITER, null),
        /** Filtered$P(ArgumentFilter filter, P probe): the getter returns the guarded probe. */
        FILTERED("Filtered", "filter", CD_FILTER, "probe");

        final String prefix;
        final String firstField;
        final ClassDesc firstType;
        /** The second field's name, of the prototype's type, or null. */
        final String secondField;

        Kind(String prefix, String firstField, ClassDesc firstType, String secondField) {
            this.prefix = prefix;
            this.firstField = firstField;
            this.firstType = firstType;
            this.secondField = secondField;
        }
    }

    /**
     * One kind's class for one prototype (and, for a writer, one event-time argument): its
     * constructor {@code (Object, Object)Object} and getter {@code (Object)Object}.
     */
    private static final class Made {
        final Kind kind;
        final Class<?> type;
        final MethodHandle constructor;
        final MethodHandle getter;

        Made(Kind kind, Class<?> type, MethodHandle constructor, MethodHandle getter) {
            this.kind = kind;
            this.type = type;
            this.constructor = constructor;
            this.getter = getter;
        }
    }

    private static final class PerPrototype {
        /**
         * By variant(): a writer's class differs with the tracepoint's event-time argument (two
         * tracepoints may share a prototype and declare different ones). Guarded by this.
         */
        private final Map<Integer, Made> made = new HashMap<>();

        synchronized Made of(Kind kind, Definition<?> definition) throws ReflectiveOperationException {
            int variant = variant(kind, definition);
            Made known = made.get(variant);
            if (known == null) {
                MethodHandles.Lookup hidden = define(definition, kind);
                Class<?> type = hidden.lookupClass();
                Class<?> first = kind == Kind.WRITER ? ArgumentWriter.class : ArgumentFilter.class;
                MethodHandle constructor;
                MethodHandle getter;
                if (kind.secondField == null) {
                    constructor = MethodHandles.dropArguments(
                            hidden.findConstructor(type, MethodType.methodType(void.class, first)), 1, Object.class);
                    getter = hidden.findGetter(type, kind.firstField, first);
                } else {
                    Class<?> prototype = definition.prototype();
                    constructor = hidden.findConstructor(type, MethodType.methodType(void.class, first, prototype));
                    getter = hidden.findGetter(type, kind.secondField, prototype);
                }
                known = new Made(
                        kind,
                        type,
                        constructor.asType(MethodType.methodType(Object.class, Object.class, Object.class)),
                        getter.asType(MethodType.methodType(Object.class, Object.class)));
                made.put(variant, known);
            }
            return known;
        }

        /** The getter of {@code kind}'s class if {@code type} is one of that kind's classes; else null. */
        synchronized MethodHandle getter(Kind kind, Class<?> type) {
            for (Made m : made.values()) {
                if (m.kind == kind && m.type == type) {
                    return m.getter;
                }
            }
            return null;
        }

        /** The key of {@code kind}'s class for {@code definition}: its kind and, for a writer, its event time. */
        private static int variant(Kind kind, Definition<?> definition) {
            int eventTime = kind == Kind.WRITER ? definition.eventTimeIndex() : -1;
            return (eventTime + 1) * Kind.values().length + kind.ordinal();
        }
    }

    private static MethodHandles.Lookup define(Definition<?> definition, Kind kind)
            throws ReflectiveOperationException {
        MethodHandles.Lookup host = HostLookup.of(definition);
        ClassDesc self = ClassDesc.of(
                host.lookupClass().getPackageName(),
                kind.prefix + "$" + definition.prototype().getSimpleName());
        byte[] bytes =
                TracepointClassGenerator.classFileFor(definition).build(self, new ClassWriter(self, definition, kind));
        return host.defineHiddenClass(bytes, true);
    }

    /** Writes the class; a class, not lambdas (no invokedynamic: see Tracepoint's design note). */
    private static final class ClassWriter implements Consumer<ClassBuilder> {
        private final ClassDesc self;
        private final Definition<?> definition;
        private final Kind kind;
        private final ClassDesc prototype;
        private final MethodTypeDesc methodType;

        ClassWriter(ClassDesc self, Definition<?> definition, Kind kind) {
            this.self = self;
            this.definition = definition;
            this.kind = kind;
            this.prototype = TracepointClassGenerator.desc(definition.prototype());
            this.methodType = TracepointClassGenerator.methodType(definition);
        }

        @Override
        public void accept(ClassBuilder cls) {
            cls.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER | ClassFile.ACC_SYNTHETIC);
            cls.withInterfaceSymbols(prototype);
            cls.withField(kind.firstField, kind.firstType, ClassFile.ACC_PRIVATE | ClassFile.ACC_FINAL);
            MethodTypeDesc init = MethodTypeDesc.of(CD_void, kind.firstType);
            if (kind.secondField != null) {
                cls.withField(kind.secondField, prototype, ClassFile.ACC_PRIVATE | ClassFile.ACC_FINAL);
                init = MethodTypeDesc.of(CD_void, kind.firstType, prototype);
            }
            cls.withMethodBody(INIT_NAME, init, 0, new Body(this, Part.CONSTRUCTOR));
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
            code.aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void);
            code.aload(0).aload(1).putfield(self, kind.firstField, kind.firstType);
            if (kind.secondField != null) {
                code.aload(0).aload(2).putfield(self, kind.secondField, prototype);
            }
            code.return_();
        }

        private void probe(CodeBuilder code) {
            if (kind == Kind.WRITER) {
                writerProbe(code);
            } else {
                filteredProbe(code);
            }
        }

        /**
         * The firing: the size pass, begin (with the event-time argument, if the tracepoint declares
         * one), one write per argument threading the cursor, end.
         */
        private void writerProbe(CodeBuilder code) {
            int writer = code.allocateLocal(TypeKind.REFERENCE);
            int handle = code.allocateLocal(TypeKind.LONG);
            int cursor = code.allocateLocal(TypeKind.LONG);
            Label skip = code.newLabel();
            code.aload(0).getfield(self, kind.firstField, CD_WRITER).astore(writer);
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
            int eventTime = definition.eventTimeIndex();
            if (eventTime < 0) {
                code.invokeinterface(CD_WRITER, "begin", MethodTypeDesc.of(CD_long, CD_int));
            } else { // the event-time argument, a long, goes to begin too
                code.lload(code.parameterSlot(eventTime))
                        .invokeinterface(CD_WRITER, "begin", MethodTypeDesc.of(CD_long, CD_int, CD_long));
            }
            code.lstore(handle);
            code.lload(handle).lconst_0().lcmp().iflt(skip);
            code.lload(handle).lstore(cursor);
            for (int i = 0; i < methodType.parameterCount(); i++) {
                Class<?> type = definition.arguments().get(i).type();
                code.aload(writer).lload(cursor);
                code.loadLocal(TypeKind.from(methodType.parameterType(i)), code.parameterSlot(i));
                code.invokeinterface(
                        CD_WRITER,
                        "write" + typeSuffix(type),
                        MethodTypeDesc.of(CD_long, CD_long, parameterDesc(type)));
                code.lstore(cursor);
            }
            code.aload(writer)
                    .lload(handle)
                    .lload(cursor)
                    .invokeinterface(CD_WRITER, "end", MethodTypeDesc.of(CD_void, CD_long, CD_long));
            code.labelBinding(skip).return_();
        }

        /** The firing: begin, one test per argument threading the state, accept, the guarded probe. */
        private void filteredProbe(CodeBuilder code) {
            int filter = code.allocateLocal(TypeKind.REFERENCE);
            int state = code.allocateLocal(TypeKind.LONG);
            Label skip = code.newLabel();
            code.aload(0).getfield(self, kind.firstField, CD_FILTER).astore(filter);
            code.aload(filter)
                    .invokeinterface(CD_FILTER, "begin", MethodTypeDesc.of(CD_long))
                    .lstore(state);
            for (int i = 0; i < methodType.parameterCount(); i++) {
                Class<?> type = definition.arguments().get(i).type();
                code.aload(filter).lload(state).ldc(i);
                code.loadLocal(TypeKind.from(methodType.parameterType(i)), code.parameterSlot(i));
                code.invokeinterface(
                        CD_FILTER,
                        "test" + typeSuffix(type),
                        MethodTypeDesc.of(CD_long, CD_long, CD_int, parameterDesc(type)));
                code.lstore(state);
            }
            code.aload(filter)
                    .lload(state)
                    .invokeinterface(CD_FILTER, "accept", MethodTypeDesc.of(CD_boolean, CD_long))
                    .ifeq(skip);
            code.aload(0).getfield(self, kind.secondField, prototype);
            for (int i = 0; i < methodType.parameterCount(); i++) {
                code.loadLocal(TypeKind.from(methodType.parameterType(i)), code.parameterSlot(i));
            }
            code.invokeinterface(prototype, definition.method().getName(), methodType);
            code.labelBinding(skip).return_();
        }

        private void toStringMethod(CodeBuilder code) {
            code.aload(0)
                    .getfield(self, kind.firstField, kind.firstType)
                    .invokevirtual(CD_Object, "toString", MTD_TO_STRING)
                    .areturn();
        }
    }

    /**
     * The name suffix of the ArgumentWriter and ArgumentFilter methods for an argument of {@code
     * type} (Prototypes admits no other types): int -> Int (writeInt, testInt), byte[] -> Bytes.
     */
    private static String typeSuffix(Class<?> type) {
        if (type.isEnum()) {
            return "Enum";
        }
        if (type == String.class) {
            return "String";
        }
        if (type == byte[].class) {
            return "Bytes";
        }
        String name = type.getName(); // a primitive
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    /** The parameter type of those methods for an argument of {@code type}: an enum is passed as Enum. */
    private static ClassDesc parameterDesc(Class<?> type) {
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
