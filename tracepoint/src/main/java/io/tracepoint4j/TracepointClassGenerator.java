package io.tracepoint4j;

import static java.lang.constant.ConstantDescs.BSM_CLASS_DATA_AT;
import static java.lang.constant.ConstantDescs.CD_MethodHandle;
import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_Throwable;
import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.DEFAULT_NAME;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import io.tracepoint4j.Tracepoint.Definition;
import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.Srcu;
import io.tracepoint4j.rcu.internal.OutermostSection;
import io.tracepoint4j.rcu.internal.UnwindingSection;
import java.lang.classfile.ClassBuilder;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.TypeKind;
import java.lang.constant.ClassDesc;
import java.lang.constant.DirectMethodHandleDesc;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodHandleDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Writes, with {@code java.lang.classfile}, the hidden class of one prototype, whose instances are
 * that prototype's tracepoints of one flavor: it extends {@link Tracepoint} and implements the
 * prototype, and its prototype method is the firing code. One class per prototype and flavor, not
 * per tracepoint: a tracepoint costs no class of its own (start-up time and metaspace, see
 * DefineStartupBench).
 *
 * <pre>{@code
 * // in package io.tracepoint4j, or in the prototype's package and loader (see HostLookup)
 * final class Tracepoint$Request extends Tracepoint<Request> implements Request {
 *     private static final MethodHandle PROBES;   // class data 0: Tracepoint.probesAcquire()
 *     private static final MethodHandle FAILED;   // class data 1: Tracepoint.probeFailed(probe, t)
 *     private static final MethodHandle CLOSE;    // class data 2: UnwindingSection.closeWithInner()
 *     private static final MethodHandle DOMAIN;   // class data 3: Domains.regular() or faultable()
 *     private static final MethodHandle LEVEL;    // class data 4: UnwindingSection.level()
 *     private static final MethodHandle TOO_DEEP; // class data 5: Tracepoint.firedTooDeep()
 *     private static final MethodHandle RESTART;  // class data 6: UnwindingSection.restartIfAbandoned()
 *     private final MethodHandle key;             // this tracepoint's key.dynamicInvoker(), ()boolean
 *     private final MethodHandle dispatch;        // its dispatch.dynamicInvoker(), (args)void
 *
 *     Tracepoint$Request(Definition d, MethodHandle key, MethodHandle dispatch) {
 *         this.key = key; this.dispatch = dispatch;
 *         super(d, callOne$, callAll$);                                  // handles: ldc constants
 *     }
 *
 *     public boolean enabled() { return (boolean) key.invokeExact(); }
 *
 *     public void request(String method, int status, long nanos) {      // the fast path
 *         if ((boolean) key.invokeExact()) callProbes$(method, status, nanos);
 *     }
 *
 *     private void callProbes$(String method, int status, long nanos) {  // enabled: stays small
 *         ReadSection section = ((RcuDomain) DOMAIN.invokeExact()).read();
 *         try {
 *             if ((int) LEVEL.invokeExact(section) != 1) {                   // see "Failure modes"
 *                 ReadSection nested = section; section = null;
 *                 section = (ReadSection) RESTART.invokeExact(nested);
 *                 if ((int) LEVEL.invokeExact(section) > Tracepoint.MAX_FIRING_DEPTH) {
 *                     TOO_DEEP.invokeExact((Tracepoint) this);              // counted, no probe called
 *                     return;
 *                 }
 *             }
 *             dispatch.invokeExact(method, status, nanos);                  // the probes, see below
 *         } finally {
 *             if (section != null) {
 *                 try { CLOSE.invokeExact(section); }
 *                 catch (StackOverflowError e) {                            // calls nothing
 *                     if (section instanceof OutermostSection o) o.abandoned = true;
 *                     throw e;
 *                 }
 *             }
 *         }
 *     }
 *
 *     // bound once per probe into DISPATCH's target while at most INLINED_PROBES are registered
 *     private static void callOne$(Tracepoint tp, Request probe, String method, int status, long nanos) {
 *         try { probe.request(method, status, nanos); } catch (Throwable t) { FAILED.invokeExact(tp, probe, t); }
 *     }
 *
 *     // DISPATCH's target otherwise: every probe of the array
 *     private static void callAll$(Tracepoint tp, String method, int status, long nanos) {
 *         Request[] probes = (Request[]) PROBES.invokeExact(tp);
 *         for (Request probe : probes) {
 *             try { probe.request(method, status, nanos); } catch (Throwable t) { FAILED.invokeExact(tp, probe, t); }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>C2 trusts the final instance fields of a hidden class as it trusts static finals, so for a
 * tracepoint held in a {@code static final} field (a constant) {@code key} folds to the call
 * site's current constant and {@code dispatch} to its current target; the static handles become
 * direct calls, and {@code DOMAIN}'s call the domain object (a static final of Domains, created
 * before the first probe is published, see Domains.prepareFirings): with probes bound in as constants, C2 inlines
 * each probe as it would a direct call ([SC] in ProbeUpdates). The fold needs that constant: a tracepoint held in an ordinary field or
 * a collection pays a field load and an out-of-line handle call per firing. The class's code names
 * only exported public types (its constructor's descriptor also names Tracepoint's Definition,
 * which nothing resolves), so it links wherever it is defined.
 */
final class TracepointClassGenerator {
    /*
     * Overview: the class is defined with the Lookup HostLookup chooses: in package io.tracepoint4j
     * when tracepoint4j's loader sees the prototype, else in the prototype's package and loader. It
     * reaches Tracepoint's package-private members (probesAcquire, probeFailed), its flavor's
     * domain (Domains, created lazily) and the rcu module's internal UnwindingSection through
     * method handles in its class data, and calls
     * Tracepoint's protected constructor. It is not strongly tied to its loader; the prototype's
     * Class holds it (CLASSES), so it is unloaded with the prototype.
     *
     * Concurrency: CLASSES is a ClassValue (thread-safe); a PrototypeClass's monitor guards its
     * constructor handles, each made once, and its list of tracepoints. It is a leaf: the class
     * generation under it takes no other lock of this module.
     *
     * Memory ordering: the generated firing code reads the dispatch target inside its read-side
     * section ([SC] in ProbeUpdates), and callAll$ reads `probes` through probesAcquire() ([P]). The
     * key is a call-site target ([K]).
     *
     * Nesting: a probe may fire tracepoints, whose probes may fire more. The flavor's domain counts
     *   the calling thread's open read() sections, which are exactly its firings in progress of
     *   that flavor (only firings open sections of the tracepoint domains), so the section's level
     *   is the firing's depth, for free. A firing deeper than MAX_FIRING_DEPTH calls no probe and
     *   is counted (Tracepoint.firedTooDeep): recursion through probes ends there, never in a
     *   StackOverflowError or a deadlock. Firings of the two flavors count separately, so a chain
     *   alternating them ends by twice the depth at most.
     *
     * Failure modes: a firing near the stack limit. The section is opened before the try, so a
     * read() that throws leaves nothing to close (the rcu module's [E]: an entry that throws left no
     * trace). A close that throws StackOverflowError leaves its section open and the error goes to
     * the enclosing probe call, which counts it as that probe's failure; the enclosing firing then
     * closes with closeWithInner(), which also ends the section left open inside its own: no firing
     * frame is left to end it, as the tracepoint domains hold only firing sections, nested only by
     * the firings' own frames. The outermost firing has no enclosing one (instrumented code that
     * recurses to the stack limit, firing at every level, and catches the error): its close's
     * catch block marks the section abandoned (OutermostSection), by a type test and a field
     * store, since any call there would check the stack and throw again. The thread's next firing
     * then opens its section above the abandoned one, not at level 1, and RESTART ends every
     * section of the thread and opens a new outermost one. The local holds null while RESTART
     * runs: if it throws, the sections it left and the mark are for the next firing, and there is
     * no section of this firing's own left to close (RESTART's contract). A firing at level 1, the
     * usual one, pays nothing for this: the level was tested before already. So a firing that
     * returns leaves no section open, whatever failed in it; an abandoned section lasts until the
     * thread's next firing of the flavor, or its end.
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
    private static final String CLOSE_WITH_INNER = "closeWithInner";
    private static final MethodTypeDesc MTD_BOOLEAN = MethodTypeDesc.of(CD_boolean);
    /** The generated constructor's type: the definition, the key's and the dispatch site's invokers. */
    private static final MethodTypeDesc MTD_INIT =
            MethodTypeDesc.of(CD_void, CD_DEFINITION, CD_MethodHandle, CD_MethodHandle);
    /** The instance fields: trusted finals of a hidden class, folded by C2 for a constant tracepoint. */
    private static final String KEY = "key";

    private static final String DISPATCH = "dispatch";
    /** Tracepoint's constructor: the definition and the handles of callOne$ and callAll$. */
    private static final MethodTypeDesc MTD_SUPER_INIT =
            MethodTypeDesc.of(CD_void, CD_DEFINITION, CD_MethodHandle, CD_MethodHandle);

    private static final MethodTypeDesc MTD_PROBES = MethodTypeDesc.of(CD_Object, CD_TRACEPOINT);
    private static final MethodTypeDesc MTD_FAILED = MethodTypeDesc.of(CD_void, CD_TRACEPOINT, CD_Object, CD_Throwable);
    private static final MethodTypeDesc MTD_CLOSE = MethodTypeDesc.of(CD_void, CD_SECTION);
    private static final MethodTypeDesc MTD_READ = MethodTypeDesc.of(CD_SECTION);
    private static final MethodTypeDesc MTD_DOMAIN = MethodTypeDesc.of(CD_DOMAIN);
    private static final MethodTypeDesc MTD_LEVEL = MethodTypeDesc.of(CD_int, CD_SECTION);
    private static final MethodTypeDesc MTD_RESTART = MethodTypeDesc.of(CD_SECTION, CD_SECTION);
    /** The class whose public flag marks an abandoned outermost section, set without a call. */
    private static final ClassDesc CD_OUTERMOST = desc(OutermostSection.class);

    private static final String ABANDONED = "abandoned";
    private static final ClassDesc CD_STACK_OVERFLOW = desc(StackOverflowError.class);
    private static final MethodTypeDesc MTD_TOO_DEEP = MethodTypeDesc.of(CD_void, CD_TRACEPOINT);

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

    /*
     * The generated class may live in another package (HostLookup), so it reaches Tracepoint's
     * package-private members, the domains and the rcu module's internal UnwindingSection through
     * these handles, class data 0 to 5; static finals, so C2 inlines them as direct calls.
     */
    /** {@code (Tracepoint)Object}: Tracepoint.probesAcquire(), [P]. */
    private static final MethodHandle PROBES_ACQUIRE;
    /** {@code (Tracepoint, Object, Throwable)void}: Tracepoint.probeFailed(). */
    private static final MethodHandle PROBE_FAILED;
    /** {@code (ReadSection)void}: UnwindingSection.closeWithInner() of a tracepoint domain's section. */
    private static final MethodHandle CLOSE_WITH_INNER_HANDLE;
    /** {@code ()RcuDomain}, per flavor (by ordinal): Domains.regular(), Domains.faultable(). */
    private static final MethodHandle[] DOMAIN_OF_FLAVOR;
    /** {@code (ReadSection)int}: UnwindingSection.level(), the firing's depth. */
    private static final MethodHandle LEVEL_HANDLE;
    /** {@code (Tracepoint)void}: Tracepoint.firedTooDeep(). */
    private static final MethodHandle FIRED_TOO_DEEP;
    /** {@code (ReadSection)ReadSection}: UnwindingSection.restartIfAbandoned(). */
    private static final MethodHandle RESTART_HANDLE;

    static {
        try {
            PROBES_ACQUIRE = LOOKUP.findVirtual(Tracepoint.class, "probesAcquire", MethodType.methodType(Object.class));
            PROBE_FAILED = LOOKUP.findVirtual(
                    Tracepoint.class, "probeFailed", MethodType.methodType(void.class, Object.class, Throwable.class));
            CLOSE_WITH_INNER_HANDLE = LOOKUP.findVirtual(
                            UnwindingSection.class, CLOSE_WITH_INNER, MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, RcuDomain.ReadSection.class));
            LEVEL_HANDLE = LOOKUP.findVirtual(UnwindingSection.class, "level", MethodType.methodType(int.class))
                    .asType(MethodType.methodType(int.class, RcuDomain.ReadSection.class));
            FIRED_TOO_DEEP = LOOKUP.findVirtual(Tracepoint.class, "firedTooDeep", MethodType.methodType(void.class));
            RESTART_HANDLE = LOOKUP.findVirtual(
                            UnwindingSection.class,
                            "restartIfAbandoned",
                            MethodType.methodType(RcuDomain.ReadSection.class))
                    .asType(MethodType.methodType(RcuDomain.ReadSection.class, RcuDomain.ReadSection.class));
            MethodType domain = MethodType.methodType(RcuDomain.class);
            DOMAIN_OF_FLAVOR = new MethodHandle[] {
                LOOKUP.findStatic(Domains.class, "regular", MethodType.methodType(ClassicRcu.class))
                        .asType(domain),
                LOOKUP.findStatic(Domains.class, "faultable", MethodType.methodType(Srcu.class))
                        .asType(domain)
            };
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TracepointClassGenerator() {}

    /**
     * Instantiates the tracepoint of {@code definition}: an instance of its prototype's class for
     * its flavor, generated and defined at the first tracepoint of that prototype and flavor.
     */
    static <P> Tracepoint<P> generate(Definition<P> definition) {
        try {
            PrototypeClass prototypeClass = CLASSES.get(definition.prototype());
            @SuppressWarnings("unchecked")
            Tracepoint<P> tracepoint = (Tracepoint<P>) prototypeClass
                    .constructor(definition)
                    .invokeExact(
                            definition,
                            definition.key().dynamicInvoker(),
                            definition.dispatch().dynamicInvoker());
            prototypeClass.keep(tracepoint);
            return tracepoint;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot define the class of tracepoint " + definition.name(), e);
        }
    }

    /**
     * Each prototype's generated class, once made, and the tracepoints made of it: held by the
     * prototype's Class, so they live as long as the prototype's class loader, and go with it.
     */
    private static final ClassValue<PrototypeClass> CLASSES = new ClassValue<>() {
        @Override
        protected PrototypeClass computeValue(Class<?> prototype) {
            return new PrototypeClass();
        }
    };

    /**
     * The generated classes of one prototype, one per flavor, each made by the first definition
     * that needs it, and its tracepoints.
     */
    private static final class PrototypeClass {
        /** By flavor ordinal. */
        private final MethodHandle[] constructors =
                new MethodHandle[Tracepoint.Flavor.values().length]; // guarded by this
        /**
         * Keeps the prototype's tracepoints for as long as its loader lives, whatever the code
         * that defined them keeps (the registry holds those of a plugin's loader only weakly).
         */
        private final List<Tracepoint<?>> tracepoints = new ArrayList<>(); // guarded by this

        synchronized void keep(Tracepoint<?> tracepoint) {
            tracepoints.add(tracepoint);
        }

        /** {@code (Definition, MethodHandle key, MethodHandle dispatch)Tracepoint} of the definition's flavor. */
        synchronized MethodHandle constructor(Definition<?> definition) throws ReflectiveOperationException {
            int flavor = definition.flavor().ordinal();
            if (constructors[flavor] == null) {
                constructors[flavor] = define(definition);
            }
            return constructors[flavor];
        }
    }

    private static MethodHandle define(Definition<?> definition) throws ReflectiveOperationException {
        MethodHandles.Lookup host = HostLookup.of(definition);
        byte[] bytes = classBytes(definition, host.lookupClass().getPackageName());
        MethodHandles.Lookup hidden = host.defineHiddenClassWithClassData(
                bytes,
                List.of(
                        PROBES_ACQUIRE,
                        PROBE_FAILED,
                        CLOSE_WITH_INNER_HANDLE,
                        DOMAIN_OF_FLAVOR[definition.flavor().ordinal()],
                        LEVEL_HANDLE,
                        FIRED_TOO_DEEP,
                        RESTART_HANDLE),
                true);
        return hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class, CONSTRUCTOR_PARAMETERS))
                .asType(MethodType.methodType(Tracepoint.class, CONSTRUCTOR_PARAMETERS));
    }

    /** The generated constructor's parameters: the definition, then what the instance fields hold. */
    private static final List<Class<?>> CONSTRUCTOR_PARAMETERS =
            List.of(Definition.class, MethodHandle.class, MethodHandle.class);

    private static byte[] classBytes(Definition<?> definition, String packageName) {
        ClassDesc self =
                ClassDesc.of(packageName, "Tracepoint$" + definition.prototype().getSimpleName());
        return classFileFor(definition)
                .build(
                        self,
                        new ClassWriter(
                                self,
                                desc(definition.prototype()),
                                definition.method().getName(),
                                methodType(definition)));
    }

    /** The prototype method's type, {@code (arguments)void}. */
    static MethodTypeDesc methodType(Definition<?> definition) {
        List<Tracepoint.Argument> arguments = definition.arguments();
        ClassDesc[] argumentTypes = new ClassDesc[arguments.size()];
        for (int i = 0; i < argumentTypes.length; i++) {
            argumentTypes[i] = desc(arguments.get(i).type());
        }
        return MethodTypeDesc.of(CD_void, argumentTypes);
    }

    /**
     * The class-file API for a class generated for {@code definition}'s prototype: it resolves the
     * class hierarchy (for stack maps) through the JDK's classes, then the prototype's loader.
     */
    static ClassFile classFileFor(Definition<?> definition) {
        ClassLoader loader = definition.prototype().getClassLoader();
        ClassHierarchyResolver resolver = ClassHierarchyResolver.defaultResolver()
                .orElse(ClassHierarchyResolver.ofClassLoading(
                        loader != null ? loader : ClassLoader.getPlatformClassLoader()));
        return ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(resolver));
    }

    /**
     * Writes the members of one generated class. The class file API takes its builders as
     * Consumers; they are classes here, not lambdas (no invokedynamic: see Tracepoint's design
     * note), one {@link Body} per method.
     */
    private static final class ClassWriter implements Consumer<ClassBuilder> {
        private final ClassDesc self;
        private final ClassDesc prototype;
        private final String methodName;
        private final MethodTypeDesc methodType;

        ClassWriter(ClassDesc self, ClassDesc prototype, String methodName, MethodTypeDesc methodType) {
            this.self = self;
            this.prototype = prototype;
            this.methodName = methodName;
            this.methodType = methodType;
        }

        /** The methods of the class, each one written by {@link #write(Part, CodeBuilder)}. */
        private enum Part {
            CLASS_INIT,
            CONSTRUCTOR,
            ENABLED,
            FAST_PATH,
            CALL_PROBES,
            CALL_ONE,
            CALL_ALL
        }

        private final class Body implements Consumer<CodeBuilder> {
            private final Part part;

            Body(Part part) {
                this.part = part;
            }

            @Override
            public void accept(CodeBuilder code) {
                write(part, code);
            }
        }

        @Override
        public void accept(ClassBuilder cls) {
            cls.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER | ClassFile.ACC_SYNTHETIC);
            cls.withSuperclass(CD_TRACEPOINT);
            cls.withInterfaceSymbols(prototype);
            int constant = ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC | ClassFile.ACC_FINAL;
            int trusted = ClassFile.ACC_PRIVATE | ClassFile.ACC_FINAL;
            cls.withField(KEY, CD_MethodHandle, trusted);
            cls.withField(DISPATCH, CD_MethodHandle, trusted);
            cls.withField("PROBES", CD_MethodHandle, constant);
            cls.withField("FAILED", CD_MethodHandle, constant);
            cls.withField("CLOSE", CD_MethodHandle, constant);
            cls.withField("DOMAIN", CD_MethodHandle, constant);
            cls.withField("LEVEL", CD_MethodHandle, constant);
            cls.withField("TOO_DEEP", CD_MethodHandle, constant);
            cls.withField("RESTART", CD_MethodHandle, constant);
            cls.withMethodBody("<clinit>", MTD_void, ClassFile.ACC_STATIC, new Body(Part.CLASS_INIT));
            cls.withMethodBody(INIT_NAME, MTD_INIT, 0, new Body(Part.CONSTRUCTOR));
            int publicFinal = ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL;
            cls.withMethodBody("enabled", MTD_BOOLEAN, publicFinal, new Body(Part.ENABLED));
            cls.withMethodBody(methodName, methodType, publicFinal, new Body(Part.FAST_PATH));
            cls.withMethodBody(
                    CALL_PROBES, methodType, ClassFile.ACC_PRIVATE | ClassFile.ACC_FINAL, new Body(Part.CALL_PROBES));
            int privateStatic = ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC;
            cls.withMethodBody(CALL_ONE, callOneType(prototype, methodType), privateStatic, new Body(Part.CALL_ONE));
            cls.withMethodBody(CALL_ALL, callAllType(methodType), privateStatic, new Body(Part.CALL_ALL));
        }

        private void write(Part part, CodeBuilder code) {
            switch (part) {
                case CLASS_INIT -> classInit(code);
                case CONSTRUCTOR -> constructor(code);
                case ENABLED -> enabled(code);
                case FAST_PATH -> fastPath(code);
                case CALL_PROBES -> callProbes(code);
                case CALL_ONE -> callOne(code);
                case CALL_ALL -> callAll(code);
            }
        }

        /** The handles shared by every tracepoint of the class, from the class data. */
        private void classInit(CodeBuilder code) {
            String[] handles = {"PROBES", "FAILED", "CLOSE", "DOMAIN", "LEVEL", "TOO_DEEP", "RESTART"};
            for (int i = 0; i < handles.length; i++) {
                code.ldc(DynamicConstantDesc.ofNamed(BSM_CLASS_DATA_AT, DEFAULT_NAME, CD_MethodHandle, i))
                        .putstatic(self, handles[i], CD_MethodHandle);
            }
            // resolves the class the close's catch block names here, with the whole stack: resolved
            // at the stack limit, a failure would stay with the constant for good (JVMS 5.4.3)
            code.ldc(CD_OUTERMOST).pop().return_();
        }

        /**
         * super(definition, callOne$, callAll$): the handles are constants of this class's pool
         * (ldc of a method handle, not invokedynamic), so the tracepoint is complete when its
         * constructor returns.
         */
        private void constructor(CodeBuilder code) {
            code.aload(0).aload(2).putfield(self, KEY, CD_MethodHandle); // own fields: allowed before super()
            code.aload(0).aload(3).putfield(self, DISPATCH, CD_MethodHandle);
            code.aload(0)
                    .aload(1)
                    .ldc(MethodHandleDesc.ofMethod(
                            DirectMethodHandleDesc.Kind.STATIC, self, CALL_ONE, callOneType(prototype, methodType)))
                    .ldc(MethodHandleDesc.ofMethod(
                            DirectMethodHandleDesc.Kind.STATIC, self, CALL_ALL, callAllType(methodType)))
                    .invokespecial(CD_TRACEPOINT, INIT_NAME, MTD_SUPER_INIT)
                    .return_();
        }

        private void enabled(CodeBuilder code) {
            code.aload(0)
                    .getfield(self, KEY, CD_MethodHandle)
                    .invokevirtual(CD_MethodHandle, "invokeExact", MTD_BOOLEAN)
                    .ireturn();
        }

        /** The prototype's method: the key check, then a call of the enabled path. */
        private void fastPath(CodeBuilder code) {
            Label off = code.newLabel();
            code.aload(0)
                    .getfield(self, KEY, CD_MethodHandle)
                    .invokevirtual(CD_MethodHandle, "invokeExact", MTD_BOOLEAN)
                    .ifeq(off)
                    .aload(0);
            loadArguments(code, methodType, 0);
            code.invokespecial(self, CALL_PROBES, methodType).labelBinding(off).return_();
        }

        /**
         * The enabled path: the probes the dispatch site's target calls, inside a read-side section,
         * unless the firing is nested too deep. A section opened above the outermost level is either
         * a nested firing's (a probe fired this tracepoint) or above an abandoned one: RESTART
         * tells, and gives the section to go on with. The local holds null during that call, so
         * that a failure there leaves the catch block no section to close (RESTART's contract).
         */
        private void callProbes(CodeBuilder code) {
            int section = code.allocateLocal(TypeKind.REFERENCE);
            int failure = code.allocateLocal(TypeKind.REFERENCE);
            Label sectionStart = code.newLabel();
            Label outermost = code.newLabel();
            Label sectionEnd = code.newLabel();
            Label sectionFailed = code.newLabel();
            Label nothingToClose = code.newLabel();
            code.getstatic(self, "DOMAIN", CD_MethodHandle) // the flavor's domain: a constant
                    .invokevirtual(CD_MethodHandle, "invokeExact", MTD_DOMAIN)
                    .invokeinterface(CD_DOMAIN, "read", MTD_READ)
                    .astore(section);
            code.labelBinding(sectionStart);
            level(code, section).iconst_1().if_icmpeq(outermost); // the usual firing: no more checks
            code.getstatic(self, "RESTART", CD_MethodHandle)
                    .aload(section)
                    .aconst_null()
                    .astore(section)
                    .invokevirtual(CD_MethodHandle, "invokeExact", MTD_RESTART)
                    .astore(section);
            level(code, section).loadConstant(Tracepoint.MAX_FIRING_DEPTH).if_icmple(outermost);
            code.getstatic(self, "TOO_DEEP", CD_MethodHandle)
                    .aload(0)
                    .invokevirtual(CD_MethodHandle, "invokeExact", MTD_TOO_DEEP)
                    .goto_(sectionEnd);
            code.labelBinding(outermost).aload(0).getfield(self, DISPATCH, CD_MethodHandle); // [SC] in the section
            loadArguments(code, methodType, 0);
            code.invokevirtual(CD_MethodHandle, "invokeExact", methodType).labelBinding(sectionEnd);
            close(code, section);
            code.return_();
            // reached only if something failed on the way (out of stack or memory): end the section
            // if there is one, rethrow
            code.labelBinding(sectionFailed).astore(failure).aload(section).ifnull(nothingToClose);
            close(code, section);
            code.labelBinding(nothingToClose).aload(failure).athrow();
            code.exceptionCatchAll(sectionStart, sectionEnd, sectionFailed);
        }

        /** Pushes the level of the section in local {@code section}: LEVEL.invokeExact(section). */
        private CodeBuilder level(CodeBuilder code, int section) {
            return code.getstatic(self, "LEVEL", CD_MethodHandle)
                    .aload(section)
                    .invokevirtual(CD_MethodHandle, "invokeExact", MTD_LEVEL);
        }

        /**
         * CLOSE.invokeExact(section), and if it throws StackOverflowError, the section is marked
         * abandoned when it is the outermost (OutermostSection) before the error goes on: a close
         * that throws changed nothing (the engine's [E]), and the firing's frame is about to go.
         * The catch block calls nothing (a call would check the stack and throw again): a type
         * test and a field store. An inner section needs no mark: the enclosing firing's
         * closeWithInner() ends it.
         */
        private void close(CodeBuilder code, int section) {
            Label start = code.newLabel();
            Label end = code.newLabel();
            Label overflowed = code.newLabel();
            Label rethrow = code.newLabel();
            Label done = code.newLabel();
            code.labelBinding(start)
                    .getstatic(self, "CLOSE", CD_MethodHandle)
                    .aload(section)
                    .invokevirtual(CD_MethodHandle, "invokeExact", MTD_CLOSE)
                    .labelBinding(end)
                    .goto_(done);
            code.labelBinding(overflowed)
                    .aload(section)
                    .instanceOf(CD_OUTERMOST)
                    .ifeq(rethrow)
                    .aload(section)
                    .checkcast(CD_OUTERMOST)
                    .iconst_1()
                    .putfield(CD_OUTERMOST, ABANDONED, CD_boolean);
            code.labelBinding(rethrow).athrow();
            code.labelBinding(done);
            code.exceptionCatch(start, end, overflowed, CD_STACK_OVERFLOW);
        }

        /** One probe, isolated: the dispatch target binds each of up to INLINED_PROBES probes to it. */
        private void callOne(CodeBuilder code) {
            int failure = code.allocateLocal(TypeKind.REFERENCE);
            probeCall(code, 1, failure, 2);
            code.return_();
        }

        /** Every probe, from the `probes` array: the dispatch target beyond INLINED_PROBES. */
        private void callAll(CodeBuilder code) {
            int probes = code.allocateLocal(TypeKind.REFERENCE);
            int index = code.allocateLocal(TypeKind.INT);
            int probe = code.allocateLocal(TypeKind.REFERENCE);
            int failure = code.allocateLocal(TypeKind.REFERENCE);
            Label loop = code.newLabel();
            Label done = code.newLabel();
            code.getstatic(self, "PROBES", CD_MethodHandle)
                    .aload(0)
                    .invokevirtual(CD_MethodHandle, "invokeExact", MTD_PROBES) // [P]
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
            probeCall(code, probe, failure, 1);
            code.iinc(index, 1).goto_(loop);
            code.labelBinding(done).return_();
        }

        /**
         * One isolated probe call in a static method whose parameter 0 is the tracepoint and whose
         * arguments start at parameter {@code firstArgument}: {@code try { probe.m(args); } catch
         * (Throwable t) { tracepoint.probeFailed(probe, t); }}, its exception-table entry added at once.
         */
        private void probeCall(CodeBuilder code, int probe, int failure, int firstArgument) {
            Label start = code.newLabel();
            Label end = code.newLabel();
            Label failed = code.newLabel();
            Label next = code.newLabel();
            code.labelBinding(start).aload(probe);
            loadArguments(code, methodType, firstArgument);
            code.invokeinterface(prototype, methodName, methodType)
                    .labelBinding(end)
                    .goto_(next);
            code.labelBinding(failed)
                    .astore(failure)
                    .getstatic(self, "FAILED", CD_MethodHandle)
                    .aload(0)
                    .aload(probe)
                    .aload(failure)
                    .invokevirtual(CD_MethodHandle, "invokeExact", MTD_FAILED);
            code.labelBinding(next);
            code.exceptionCatchAll(start, end, failed);
        }
    }

    /** {@code callOne$(Tracepoint, P, args...)void}. */
    private static MethodTypeDesc callOneType(ClassDesc prototype, MethodTypeDesc methodType) {
        return methodType.insertParameterTypes(0, CD_TRACEPOINT, prototype);
    }

    /** {@code callAll$(Tracepoint, args...)void}. */
    private static MethodTypeDesc callAllType(MethodTypeDesc methodType) {
        return methodType.insertParameterTypes(0, CD_TRACEPOINT);
    }

    /** Loads the arguments of {@code type}, held in the current method's parameters from {@code first} on. */
    static void loadArguments(CodeBuilder code, MethodTypeDesc type, int first) {
        for (int i = 0; i < type.parameterCount(); i++) {
            code.loadLocal(TypeKind.from(type.parameterType(i)), code.parameterSlot(first + i));
        }
    }

    static ClassDesc desc(Class<?> type) {
        Optional<ClassDesc> desc = type.describeConstable();
        if (desc.isEmpty()) {
            throw new IllegalArgumentException(type + " has no nominal descriptor (hidden class?)");
        }
        return desc.get();
    }
}
