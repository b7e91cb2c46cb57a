package io.tracepoint4j;

import static java.lang.constant.ConstantDescs.BSM_CLASS_DATA_AT;
import static java.lang.constant.ConstantDescs.CD_MethodHandle;
import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_Throwable;
import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.DEFAULT_NAME;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import io.tracepoint4j.Tracepoint.Definition;
import io.tracepoint4j.rcu.RcuDomain;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.TypeKind;
import java.lang.constant.ClassDesc;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.List;

/**
 * Writes, with {@code java.lang.classfile}, the hidden class of one tracepoint: it extends
 * {@link Tracepoint} and implements the prototype, and its prototype method is the firing code.
 *
 * <pre>{@code
 * final class Tracepoint$http$request extends Tracepoint<Request> implements Request {
 *     private static final MethodHandle KEY;      // class data 0: key.dynamicInvoker(), ()boolean
 *     private static final RcuDomain DOMAIN;      // class data 1: the flavor's domain
 *     private static final MethodHandle DISPATCH; // class data 2: dispatch.dynamicInvoker(), (args)void
 *
 *     public boolean enabled() { return (boolean) KEY.invokeExact(); }
 *
 *     public void request(String method, int status, long nanos) {      // the fast path
 *         if ((boolean) KEY.invokeExact()) callProbes$(method, status, nanos);
 *     }
 *
 *     private void callProbes$(String method, int status, long nanos) {  // enabled: stays small
 *         RcuDomain.ReadSection section = DOMAIN.read();
 *         try { DISPATCH.invokeExact(method, status, nanos); }          // the probes, see below
 *         finally { section.close(); }
 *     }
 *
 *     // bound once per probe into DISPATCH's target while at most INLINED_PROBES are registered
 *     private static void callOne$(Tracepoint tp, Request probe, String method, int status, long nanos) {
 *         try { probe.request(method, status, nanos); } catch (Throwable t) { tp.probeFailed(probe, t); }
 *     }
 *
 *     // DISPATCH's target otherwise: every probe of the array
 *     private static void callAll$(Tracepoint tp, String method, int status, long nanos) {
 *         Request[] probes = (Request[]) tp.probesAcquire();
 *         for (Request probe : probes) {
 *             try { probe.request(method, status, nanos); } catch (Throwable t) { tp.probeFailed(probe, t); }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Static finals of a hidden class are trusted by C2, so KEY folds to the call site's current
 * constant, DOMAIN to the domain object and DISPATCH to its current target: with probes bound in as
 * constants, C2 inlines each probe as it would a direct call ([SC] in Tracepoint).
 */
final class EmitterGenerator {
    /*
     * Overview: the class is defined with the Lookup of Tracepoint, so it lives in package
     * io.tracepoint4j and the class loader of this module, and may call Tracepoint's package-private
     * members (probesAcquire, probeFailed, the constructor). That requires the prototype, and every
     * enum it uses, to be visible by name from this loader and accessible from this module; checked
     * here with a clear error. The class is not strongly tied to its loader: it is unloaded when its
     * tracepoint becomes unreachable.
     *
     * Memory ordering: the generated firing code reads the dispatch target inside its read-side
     * section ([SC] in Tracepoint), and callAll$ reads `probes` through probesAcquire() ([P]). The
     * key is a call-site target ([K]).
     */

    /** The private method holding the enabled path. */
    static final String CALL_PROBES = "callProbes$";
    /** The static method calling one probe, isolated; bound into the dispatch target per probe. */
    static final String CALL_ONE = "callOne$";
    /** The static method calling every probe of the `probes` array. */
    static final String CALL_ALL = "callAll$";
    /**
     * The most parameter slots (long and double take two) a prototype's method may take: a method
     * handle takes at most 254 (JVMS 4.3.3 allows 255 per method, and the handle's invocation passes
     * the handle itself), and the handle of callOne$ takes the tracepoint and the probe before them.
     */
    static final int MAX_ARGUMENT_SLOTS = 254 - 2;

    private static final ClassDesc CD_TRACEPOINT = desc(Tracepoint.class);
    private static final ClassDesc CD_DEFINITION = desc(Definition.class);
    private static final ClassDesc CD_DOMAIN = desc(RcuDomain.class);
    private static final ClassDesc CD_SECTION = desc(RcuDomain.ReadSection.class);
    private static final MethodTypeDesc MTD_BOOLEAN = MethodTypeDesc.of(CD_boolean);
    private static final MethodTypeDesc MTD_INIT = MethodTypeDesc.of(CD_void, CD_DEFINITION);
    private static final MethodTypeDesc MTD_PROBES = MethodTypeDesc.of(CD_Object);
    private static final MethodTypeDesc MTD_FAILED = MethodTypeDesc.of(CD_void, CD_Object, CD_Throwable);
    private static final MethodTypeDesc MTD_READ = MethodTypeDesc.of(CD_SECTION);

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

    private EmitterGenerator() {}

    /** Generates, defines and instantiates the tracepoint of {@code definition}. */
    static <P> Tracepoint<P> generate(Definition<P> definition) {
        checkVisible(definition);
        byte[] bytes = classBytes(definition);
        try {
            MethodHandles.Lookup hidden = LOOKUP.defineHiddenClassWithClassData(
                    bytes,
                    List.of(
                            definition.key().dynamicInvoker(),
                            definition.flavor().domain(),
                            definition.dispatch().dynamicInvoker()),
                    true);
            Class<?> generated = hidden.lookupClass();
            MethodHandle constructor =
                    hidden.findConstructor(generated, MethodType.methodType(void.class, Definition.class));
            @SuppressWarnings("unchecked")
            Tracepoint<P> tracepoint = (Tracepoint<P>) constructor.invoke(definition);
            tracepoint.linkDispatch(
                    hidden.findStatic(generated, CALL_ONE, definition.callOneType()),
                    hidden.findStatic(generated, CALL_ALL, definition.callAllType()));
            return tracepoint;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot define the class of tracepoint " + definition.name(), e);
        }
    }

    /** The prototype and its enums must resolve, from this module's loader, to the same classes. */
    private static void checkVisible(Definition<?> definition) {
        Class<?> prototype = definition.prototype();
        Module ours = EmitterGenerator.class.getModule();
        if (ours.isNamed() && !ours.canRead(prototype.getModule())) {
            ours.addReads(prototype.getModule());
        }
        try {
            LOOKUP.accessClass(prototype);
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException(
                    "prototype " + prototype.getName() + " is not accessible from module " + ours.getName()
                            + ": export its package (at least to io.tracepoint4j) and make it public",
                    e);
        }
        checkLoadable(definition, prototype);
        for (Tracepoint.Argument argument : definition.arguments()) {
            if (!argument.type().isPrimitive() && argument.type().getClassLoader() != null) {
                checkLoadable(definition, argument.type());
            }
        }
    }

    private static void checkLoadable(Definition<?> definition, Class<?> type) {
        ClassLoader ours = EmitterGenerator.class.getClassLoader();
        Class<?> seen;
        try {
            seen = Class.forName(type.getName(), false, ours);
        } catch (ClassNotFoundException | LinkageError e) {
            seen = null;
        }
        if (seen != type) {
            throw new IllegalArgumentException("tracepoint " + definition.name() + ": " + type.getName()
                    + " (class loader " + type.getClassLoader() + ") is not visible from tracepoint4j's class loader ("
                    + ours + "). The prototype and the enums it uses must be loadable by name from that loader:"
                    + " load tracepoint4j with the library that defines the tracepoint, or in a loader that"
                    + " delegates to the library's loader");
        }
    }

    private static byte[] classBytes(Definition<?> definition) {
        Method method = definition.method();
        ClassDesc self = ClassDesc.of(
                "io.tracepoint4j", "Tracepoint$" + definition.name().replace(':', '$'));
        ClassDesc prototype = desc(definition.prototype());
        MethodTypeDesc methodType = MethodTypeDesc.of(
                CD_void,
                definition.arguments().stream().map(a -> desc(a.type())).toArray(ClassDesc[]::new));
        ClassLoader loader = definition.prototype().getClassLoader();
        ClassHierarchyResolver resolver = ClassHierarchyResolver.defaultResolver()
                .orElse(ClassHierarchyResolver.ofClassLoading(
                        loader != null ? loader : ClassLoader.getPlatformClassLoader()));
        return ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(resolver)).build(self, cls -> {
            cls.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER | ClassFile.ACC_SYNTHETIC);
            cls.withSuperclass(CD_TRACEPOINT);
            cls.withInterfaceSymbols(prototype);
            int constant = ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC | ClassFile.ACC_FINAL;
            cls.withField("KEY", CD_MethodHandle, constant);
            cls.withField("DOMAIN", CD_DOMAIN, constant);
            cls.withField("DISPATCH", CD_MethodHandle, constant);

            cls.withMethodBody(
                    "<clinit>",
                    MTD_void,
                    ClassFile.ACC_STATIC,
                    code -> code.ldc(DynamicConstantDesc.ofNamed(BSM_CLASS_DATA_AT, DEFAULT_NAME, CD_MethodHandle, 0))
                            .putstatic(self, "KEY", CD_MethodHandle)
                            .ldc(DynamicConstantDesc.ofNamed(BSM_CLASS_DATA_AT, DEFAULT_NAME, CD_DOMAIN, 1))
                            .putstatic(self, "DOMAIN", CD_DOMAIN)
                            .ldc(DynamicConstantDesc.ofNamed(BSM_CLASS_DATA_AT, DEFAULT_NAME, CD_MethodHandle, 2))
                            .putstatic(self, "DISPATCH", CD_MethodHandle)
                            .return_());

            cls.withMethodBody(
                    INIT_NAME,
                    MTD_INIT,
                    0,
                    code -> code.aload(0)
                            .aload(1)
                            .invokespecial(CD_TRACEPOINT, INIT_NAME, MTD_INIT)
                            .return_());

            cls.withMethodBody(
                    "enabled",
                    MTD_BOOLEAN,
                    ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL,
                    code -> code.getstatic(self, "KEY", CD_MethodHandle)
                            .invokevirtual(CD_MethodHandle, "invokeExact", MTD_BOOLEAN)
                            .ireturn());

            // the fast path: the key check, then a call of the enabled path
            cls.withMethodBody(method.getName(), methodType, ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL, code -> {
                Label off = code.newLabel();
                code.getstatic(self, "KEY", CD_MethodHandle)
                        .invokevirtual(CD_MethodHandle, "invokeExact", MTD_BOOLEAN)
                        .ifeq(off)
                        .aload(0);
                loadArguments(code, methodType, 0);
                code.invokespecial(self, CALL_PROBES, methodType)
                        .labelBinding(off)
                        .return_();
            });

            // the enabled path: the probes the dispatch site's target calls, inside a read-side section
            cls.withMethodBody(CALL_PROBES, methodType, ClassFile.ACC_PRIVATE | ClassFile.ACC_FINAL, code -> {
                int section = code.allocateLocal(TypeKind.REFERENCE);
                int failure = code.allocateLocal(TypeKind.REFERENCE);
                Label sectionStart = code.newLabel();
                Label sectionEnd = code.newLabel();
                Label sectionFailed = code.newLabel();
                code.getstatic(self, "DOMAIN", CD_DOMAIN)
                        .invokeinterface(CD_DOMAIN, "read", MTD_READ)
                        .astore(section);
                code.labelBinding(sectionStart).getstatic(self, "DISPATCH", CD_MethodHandle); // [SC] in the section
                loadArguments(code, methodType, 0);
                code.invokevirtual(CD_MethodHandle, "invokeExact", methodType)
                        .labelBinding(sectionEnd)
                        .aload(section)
                        .invokeinterface(CD_SECTION, "close", MTD_void)
                        .return_();
                // reached only if probeFailed itself fails (out of memory): end the section, rethrow
                code.labelBinding(sectionFailed)
                        .astore(failure)
                        .aload(section)
                        .invokeinterface(CD_SECTION, "close", MTD_void)
                        .aload(failure)
                        .athrow();
                code.exceptionCatchAll(sectionStart, sectionEnd, sectionFailed);
            });

            // one probe, isolated: the dispatch target binds each of up to INLINED_PROBES probes to it
            MethodTypeDesc oneType = callOneType(prototype, methodType);
            cls.withMethodBody(CALL_ONE, oneType, ClassFile.ACC_STATIC | ClassFile.ACC_PRIVATE, code -> {
                int failure = code.allocateLocal(TypeKind.REFERENCE);
                new ProbeCall(code, 1, failure, prototype, method.getName(), methodType, 2).emit();
                code.return_();
            });

            // every probe, from the `probes` array: the dispatch target beyond INLINED_PROBES
            cls.withMethodBody(
                    CALL_ALL, callAllType(methodType), ClassFile.ACC_STATIC | ClassFile.ACC_PRIVATE, code -> {
                        int probes = code.allocateLocal(TypeKind.REFERENCE);
                        int index = code.allocateLocal(TypeKind.INT);
                        int probe = code.allocateLocal(TypeKind.REFERENCE);
                        int failure = code.allocateLocal(TypeKind.REFERENCE);
                        ProbeCall call =
                                new ProbeCall(code, probe, failure, prototype, method.getName(), methodType, 1);
                        Label loop = code.newLabel();
                        Label done = code.newLabel();
                        code.aload(0)
                                .invokevirtual(CD_TRACEPOINT, "probesAcquire", MTD_PROBES) // [P]
                                .checkcast(prototype.arrayType())
                                .astore(probes)
                                .iconst_0()
                                .istore(index);
                        code.labelBinding(loop)
                                .iload(index)
                                .aload(probes)
                                .arraylength()
                                .if_icmpge(done)
                                .aload(probes)
                                .iload(index)
                                .aaload()
                                .astore(probe);
                        call.emit();
                        code.iinc(index, 1).goto_(loop);
                        code.labelBinding(done).return_();
                    });
        });
    }

    /** {@code callOne$(Tracepoint, P, args...)void}. */
    private static MethodTypeDesc callOneType(ClassDesc prototype, MethodTypeDesc methodType) {
        return methodType.insertParameterTypes(0, CD_TRACEPOINT, prototype);
    }

    /** {@code callAll$(Tracepoint, args...)void}. */
    private static MethodTypeDesc callAllType(MethodTypeDesc methodType) {
        return methodType.insertParameterTypes(0, CD_TRACEPOINT);
    }

    /**
     * Emits one isolated probe call in a static method whose parameter 0 is the tracepoint and whose
     * arguments start at parameter {@code firstArgument}: {@code try { probe.m(args); } catch
     * (Throwable t) { tracepoint.probeFailed(probe, t); }}, its exception-table entry added at once.
     */
    private record ProbeCall(
            CodeBuilder code,
            int probe,
            int failure,
            ClassDesc prototype,
            String name,
            MethodTypeDesc type,
            int firstArgument) {
        void emit() {
            Label start = code.newLabel();
            Label end = code.newLabel();
            Label failed = code.newLabel();
            Label next = code.newLabel();
            code.labelBinding(start).aload(probe);
            loadArguments(code, type, firstArgument);
            code.invokeinterface(prototype, name, type).labelBinding(end).goto_(next);
            code.labelBinding(failed)
                    .astore(failure)
                    .aload(0)
                    .aload(probe)
                    .aload(failure)
                    .invokevirtual(CD_TRACEPOINT, "probeFailed", MTD_FAILED);
            code.labelBinding(next);
            code.exceptionCatchAll(start, end, failed);
        }
    }

    /** Loads the arguments of {@code type}, held in the current method's parameters from {@code first} on. */
    private static void loadArguments(CodeBuilder code, MethodTypeDesc type, int first) {
        for (int i = 0; i < type.parameterCount(); i++) {
            code.loadLocal(TypeKind.from(type.parameterType(i)), code.parameterSlot(first + i));
        }
    }

    private static ClassDesc desc(Class<?> type) {
        return type.describeConstable()
                .orElseThrow(() -> new IllegalArgumentException(type + " has no nominal descriptor (hidden class?)"));
    }
}
