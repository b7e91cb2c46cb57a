package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint.Argument;
import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/** Prototype validation, argument names and types, and every supported argument type end to end. */
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class DefineTest {

    /** An enum argument type. */
    public enum Level {
        LOW,
        HIGH
    }

    /** Every supported type. */
    public interface Everything {
        void everything(
                boolean z,
                byte b,
                short s,
                char c,
                int i,
                long j,
                float f,
                double d,
                String text,
                Level level,
                byte[] bytes);
    }

    /** No arguments at all. */
    public interface Tick {
        void tick();
    }

    /** One abstract method plus defaults and Object methods: still a prototype. */
    public interface WithDefaults {
        void event(int n);

        default void twice(int n) {
            event(n);
            event(n);
        }

        @Override
        String toString();
    }

    /** The abstract method comes from a super-interface. */
    public interface Inherited extends Tick {}

    /** Not functional. */
    public interface TwoMethods {
        void a(int x);

        void b(int x);
    }

    /** Not void. */
    public interface Returns {
        int value(int x);
    }

    /** An unsupported argument type. */
    public interface Boxed {
        void boxed(Integer x);
    }

    /** Another unsupported argument type. */
    public interface ObjectArgument {
        void object(Object x);
    }

    /** Clashes with a final method of Tracepoint. */
    public interface Clash {
        void synchronizeUnregister();
    }

    /** Named like a private method of Tracepoint, which the generated class can neither see nor override. */
    public interface PrivateName {
        void setKey(boolean on);
    }

    /** Not public. */
    interface NotPublic {
        void notPublic(int x);
    }

    /** A class, not an interface. */
    public abstract static class AbstractClass {
        public abstract void x(int x);
    }

    @Test
    void everySupportedTypeIsPassedAsIs() {
        Tracepoint<Everything> tp = Tracepoint.define(
                unique("define", "everything"),
                Everything.class,
                "z",
                "b",
                "s",
                "c",
                "i",
                "j",
                "f",
                "d",
                "text",
                "level",
                "bytes");
        assertThat(tp.arguments().stream().map(Argument::type).toList())
                .containsExactly(
                        boolean.class,
                        byte.class,
                        short.class,
                        char.class,
                        int.class,
                        long.class,
                        float.class,
                        double.class,
                        String.class,
                        Level.class,
                        byte[].class);
        List<Object> seen = new ArrayList<>();
        tp.register((z, b, s, c, i, j, f, d, text, level, bytes) ->
                seen.addAll(Arrays.asList(z, b, s, c, i, j, f, d, text, level, bytes)));
        byte[] payload = {1, 2, 3};
        tp.fire()
                .everything(
                        true,
                        (byte) -7,
                        (short) 300,
                        'x',
                        Integer.MIN_VALUE,
                        Long.MAX_VALUE,
                        1.5f,
                        Math.PI,
                        "text",
                        Level.HIGH,
                        payload);
        assertThat(seen)
                .containsExactly(
                        true,
                        (byte) -7,
                        (short) 300,
                        'x',
                        Integer.MIN_VALUE,
                        Long.MAX_VALUE,
                        1.5f,
                        Math.PI,
                        "text",
                        Level.HIGH,
                        payload);
        assertThat(seen.get(10)).isSameAs(payload);
        // nulls of reference types pass through too
        seen.clear();
        tp.fire().everything(false, (byte) 0, (short) 0, '\0', 0, 0, 0, 0, null, null, null);
        assertThat(seen.subList(8, 11)).containsOnlyNulls();
    }

    @Test
    void generatedMethodKeepsPrimitiveParameters() throws Exception {
        Tracepoint<Everything> tp = Tracepoint.define(
                unique("define", "signature"),
                Everything.class,
                "z",
                "b",
                "s",
                "c",
                "i",
                "j",
                "f",
                "d",
                "text",
                "level",
                "bytes");
        var method = tp.getClass()
                .getMethod(
                        "everything",
                        boolean.class,
                        byte.class,
                        short.class,
                        char.class,
                        int.class,
                        long.class,
                        float.class,
                        double.class,
                        String.class,
                        Level.class,
                        byte[].class);
        assertThat(method.getDeclaringClass()).isSameAs(tp.getClass());
        assertThat(tp.getClass().isHidden()).isTrue();
        assertThat(tp.getClass().getPackageName()).isEqualTo("io.tracepoint4j");
    }

    @Test
    void zeroArgumentsDefaultsAndInheritedMethods() {
        Tracepoint<Tick> tick = Tracepoint.define(unique("define", "tick"), Tick.class);
        int[] count = new int[1];
        tick.register(() -> count[0]++);
        tick.fire().tick();
        assertThat(count[0]).isEqualTo(1);
        assertThat(tick.arguments()).isEmpty();

        Tracepoint<WithDefaults> defaults = Tracepoint.define(unique("define", "defaults"), WithDefaults.class, "n");
        defaults.register(n -> count[0] += n);
        defaults.fire().twice(10);
        assertThat(count[0]).isEqualTo(21);

        Tracepoint<Inherited> inherited = Tracepoint.define(unique("define", "inherited"), Inherited.class);
        inherited.register(() -> count[0]++);
        inherited.fire().tick();
        assertThat(count[0]).isEqualTo(22);
    }

    @Test
    void invalidPrototypesAreRefusedWithTheReason() {
        assertRefused(TwoMethods.class, "has 2 abstract methods", "x");
        assertRefused(Returns.class, "returns int; a tracepoint's method returns void", "x");
        assertRefused(Boxed.class, "has type java.lang.Integer; supported types are primitives", "x");
        assertRefused(ObjectArgument.class, "has type java.lang.Object", "x");
        assertRefused(Clash.class, "clashes with Tracepoint.synchronizeUnregister");
        assertRefused(NotPublic.class, "is not public");
        assertRefused(AbstractClass.class, "is not an interface", "x");
        assertRefused(Runnable.class, "has 0 parameters but 1 argument names", "x");
        assertThatThrownBy(() -> Tracepoint.define(unique("define", "null"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prototype is null");
        String huge = "x".repeat(100_000);
        assertThatThrownBy(() -> Tracepoint.define(huge, Runnable.class))
                .as("a name too long is shown cut, with its length, not in full")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid tracepoint name \"" + "x".repeat(100) + "\"... (100000 characters):")
                .message()
                .hasSizeLessThan(400);
    }

    /**
     * Only a method the generated class would override, or a caller would confuse with the
     * prototype's, is a clash; Tracepoint's private methods are invisible to both.
     */
    @Test
    void onlyNonPrivateMethodsOfTracepointClash() {
        Tracepoint<PrivateName> tp = Tracepoint.define(unique("define", "privatename"), PrivateName.class, "on");
        List<Boolean> seen = new ArrayList<>();
        tp.register(seen::add);
        assertThat(tp.enabled()).as("the tracepoint's own key still works").isTrue();
        tp.fire().setKey(true);
        tp.fire().setKey(false);
        assertThat(seen).containsExactly(true, false);

        assertThatThrownBy(() -> Tracepoint.define(unique("define", "clash"), Clash.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("method synchronizeUnregister clashes with Tracepoint.synchronizeUnregister");
    }

    /**
     * The JVM allows 255 parameter slots per method and 254 per method handle (long and double take
     * two); the dispatch target binds the tracepoint and the probe before the arguments: 252 slots
     * are the most a prototype may take, and they work end to end.
     */
    @Test
    void prototypesTakingUpTo252ParameterSlotsFireEveryArgument() throws Exception {
        assertFiresEveryArgument(wideInterface("Ints252", int.class, 252), i -> i);
        assertFiresEveryArgument(wideInterface("Longs126", long.class, 126), i -> (long) i << 40);
    }

    @Test
    void prototypesTakingMoreParameterSlotsAreRefusedWithTheLimit() {
        assertRefusedAsTooWide(wideInterface("Ints253", int.class, 253), 253);
        assertRefusedAsTooWide(wideInterface("Ints254", int.class, 254), 254);
        assertRefusedAsTooWide(wideInterface("Longs127", long.class, 127), 254);
    }

    @Test
    void argumentNamesAreValidated() {
        assertRefusedNames("has 1 parameters but 2 argument names", "a", "b");
        assertRefusedNames("has 1 parameters but no argument names were given");
        assertRefusedNames("is not a valid name", "1st");
        assertRefusedNames("is not a valid name", "class");
        assertRefusedNames("is not a valid name", "_");
        assertRefusedNames("is not a valid name", "with space");
        assertRefusedNames("is not a valid name", (String) null);
        assertThatThrownBy(() -> Tracepoint.define(
                        unique("define", "dup"),
                        Everything.class,
                        "z",
                        "b",
                        "s",
                        "c",
                        "i",
                        "j",
                        "f",
                        "d",
                        "text",
                        "z",
                        "bytes"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"z\" is used twice");
        assertThatThrownBy(() -> Tracepoint.builder(unique("define", "nullnames"), WithDefaults.class)
                        .arguments((String[]) null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertRefusedNames(String message, String... names) {
        assertThatThrownBy(() -> Tracepoint.define(unique("define", "names"), WithDefaults.class, names))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    /**
     * A public interface {@code io.tracepoint4j.<name>} with one method {@code wide(type a0, ...)},
     * defined in the test's class loader (the prototype must be visible from tracepoint4j's).
     */
    private static Class<?> wideInterface(String name, Class<?> type, int parameters) {
        ClassDesc[] types = new ClassDesc[parameters];
        Arrays.fill(types, type.describeConstable().orElseThrow());
        byte[] bytes = ClassFile.of()
                .build(
                        ClassDesc.of(DefineTest.class.getPackageName(), name),
                        cls -> cls.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_INTERFACE | ClassFile.ACC_ABSTRACT)
                                .withMethod(
                                        "wide",
                                        MethodTypeDesc.of(ConstantDescs.CD_void, types),
                                        ClassFile.ACC_PUBLIC | ClassFile.ACC_ABSTRACT,
                                        method -> {}));
        try {
            return MethodHandles.lookup().defineClass(bytes);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    private static String[] argumentNames(Class<?> prototype) {
        return IntStream.range(0, prototype.getMethods()[0].getParameterCount())
                .mapToObj(i -> "a" + i)
                .toArray(String[]::new);
    }

    private static void assertRefusedAsTooWide(Class<?> prototype, int slots) {
        String name = unique("define", "wide");
        assertThatThrownBy(() -> Tracepoint.define(name, prototype, argumentNames(prototype)))
                .as(prototype.getSimpleName())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prototype " + prototype.getName() + ".wide")
                .hasMessageContaining("takes " + slots + " parameter slots")
                .hasMessageContaining("at most 252");
        assertThat(Tracepoints.lookup(name)).isEmpty();
    }

    /** Fires {@code prototype} with argument i = {@code value(i)}, through a probe that records them. */
    private static <P> void assertFiresEveryArgument(Class<P> prototype, IntFunction<Object> value) throws Exception {
        Tracepoint<P> tp = Tracepoint.define(unique("define", "wide"), prototype, argumentNames(prototype));
        List<Object> seen = new ArrayList<>();
        tp.register(prototype.cast(Proxy.newProxyInstance(
                prototype.getClassLoader(), new Class<?>[] {prototype}, (proxy, method, args) -> {
                    seen.addAll(Arrays.asList(args));
                    return null;
                })));
        Object[] arguments =
                IntStream.range(0, tp.arguments().size()).mapToObj(value).toArray();
        prototype.getMethods()[0].invoke(tp.fire(), arguments);
        assertThat(seen).as(prototype.getSimpleName()).containsExactly(arguments);
    }

    private static void assertRefused(Class<?> prototype, String message, String... names) {
        assertThatThrownBy(() -> Tracepoint.define(unique("define", "bad"), prototype, names))
                .as(prototype.getSimpleName())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
