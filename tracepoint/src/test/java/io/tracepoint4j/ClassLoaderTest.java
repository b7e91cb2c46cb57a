package io.tracepoint4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Tracepoints whose prototype lives in a class loader below tracepoint4j's (a plugin, a web
 * application): defined, fired and probed like any other, their class defined in the prototype's
 * package and loader.
 */
class ClassLoaderTest {

    @Test
    void aPluginsTracepointIsDefinedFiredAndProbedInThePluginsLoader() throws Throwable {
        PluginLoader loader = PluginLoader.belowTracepoint4j("plugin-1");
        Class<?> plugin = Class.forName(PluginLoader.PACKAGE + "Plugin", true, loader);
        Class<?> ev = Class.forName(PluginLoader.PACKAGE + "Plugin$Ev", false, loader);
        assertThat(Class.forName(ev.getName(), false, ClassLoaderTest.class.getClassLoader()))
                .as("tracepoint4j's loader has another class of that name, so it cannot host the tracepoint")
                .isNotSameAs(ev);

        Tracepoint<?> tracepoint = Tracepoints.lookup("plugin:ev").orElseThrow();
        assertThat(tracepoint.prototype()).isSameAs(ev);
        assertThat(tracepoint.getClass().getClassLoader())
                .as("the tracepoint's class is defined in the plugin's loader")
                .isSameAs(loader);
        assertThat(tracepoint.getClass().getPackageName()).isEqualTo(ev.getPackageName());
        assertThat(tracepoint.enabled()).isFalse();

        List<Long> seen = new CopyOnWriteArrayList<>();
        Object probe = probe(ev, seen);
        MethodHandle work =
                MethodHandles.publicLookup().findStatic(plugin, "work", MethodType.methodType(void.class, long.class));
        work.invokeExact(1L); // no probe: nothing seen
        register(tracepoint, probe);
        assertThat(tracepoint.enabled()).isTrue();
        work.invokeExact(42L);
        assertThat(seen).containsExactly(42L);

        unregister(tracepoint, probe);
        tracepoint.synchronizeUnregister();
        work.invokeExact(43L);
        assertThat(seen).containsExactly(42L);
    }

    /** One generated class per prototype and flavor: a tracepoint costs no class of its own. */
    @Test
    void tracepointsOfOnePrototypeShareOneClass() {
        Tracepoint<Runnable> first = Tracepoint.define("shared_class:first", Runnable.class);
        Tracepoint<Runnable> second = Tracepoint.define("shared_class:second", Runnable.class);
        Tracepoint<Runnable> faultable = Tracepoint.defineFaultable("shared_class:faultable", Runnable.class);
        assertThat(second.getClass()).isSameAs(first.getClass());
        assertThat(second).isNotSameAs(first);
        assertThat(faultable.getClass())
                .as("the flavor's domain is a constant of the class")
                .isNotSameAs(first.getClass());
        assertThat(Tracepoint.defineFaultable("shared_class:faultable2", Runnable.class)
                        .getClass())
                .isSameAs(faultable.getClass());
        List<Long> runs = new CopyOnWriteArrayList<>();
        Runnable one = () -> runs.add(1L);
        Runnable two = () -> runs.add(2L);
        first.register(one);
        second.register(two);
        first.fire().run();
        second.fire().run();
        assertThat(runs).as("each instance fires its own probes").containsExactly(1L, 2L);
        first.unregister(one);
        second.unregister(two);
    }

    @Test
    void aPrototypeInALoaderThatCannotSeeTracepoint4jIsRefusedWithTheFix() throws Exception {
        PluginLoader isolated = new PluginLoader("isolated", ClassLoader.getPlatformClassLoader());
        Class<?> standalone = Class.forName(PluginLoader.PACKAGE + "Standalone", false, isolated);
        assertThatThrownBy(() -> Tracepoint.define("isolated:ev", standalone, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("do not see each other")
                .hasMessageContaining("delegates io.tracepoint4j to tracepoint4j's loader");
        assertThat(Tracepoints.lookup("isolated:ev")).isEmpty();
    }

    /** A probe of prototype {@code ev} that records its argument (a proxy: ev is not known here). */
    static Object probe(Class<?> ev, List<Long> seen) {
        return proxyProbe(ev, "recording probe", args -> seen.add((Long) args[0]));
    }

    /** A probe of prototype {@code prototype} that counts its calls into {@code fired} (a proxy). */
    static Object counting(Class<?> prototype, AtomicLong fired) {
        return proxyProbe(prototype, "counting probe", args -> fired.incrementAndGet());
    }

    /**
     * A proxy implementing {@code prototype} whose prototype method passes its arguments to {@code
     * fired}; identity equality, and {@code description} as its toString().
     */
    private static Object proxyProbe(Class<?> prototype, String description, Consumer<Object[]> fired) {
        return Proxy.newProxyInstance(prototype.getClassLoader(), new Class<?>[] {prototype}, (self, method, args) -> {
            switch (method.getName()) {
                case "toString" -> {
                    return description;
                }
                case "hashCode" -> {
                    return System.identityHashCode(self);
                }
                case "equals" -> {
                    return self == args[0];
                }
                default -> fired.accept(args);
            }
            return null;
        });
    }

    @SuppressWarnings("unchecked")
    static void register(Tracepoint<?> tracepoint, Object probe) {
        ((Tracepoint<Object>) tracepoint).register(probe);
    }

    @SuppressWarnings("unchecked")
    static void unregister(Tracepoint<?> tracepoint, Object probe) {
        ((Tracepoint<Object>) tracepoint).unregister(probe);
    }
}
