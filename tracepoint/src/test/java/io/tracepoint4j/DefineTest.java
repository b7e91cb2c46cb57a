package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint.Argument;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    private static void assertRefused(Class<?> prototype, String message, String... names) {
        assertThatThrownBy(() -> Tracepoint.define(unique("define", "bad"), prototype, names))
                .as(prototype.getSimpleName())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
