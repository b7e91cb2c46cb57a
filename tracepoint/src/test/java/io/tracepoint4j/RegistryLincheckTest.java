package io.tracepoint4j;

import io.tracepoint4j.Tracepoint.Definition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link Registry} (docs/STYLE.md rule 11), each scenario on a fresh registry: define,
 * lookup, find, all, addListener and removeListener against {@link Model}, a sorted map and a list
 * of listeners. The registry's factory builds {@link UnfiredTracepoint}s: a hidden class per define
 * (as the library once generated) made the stress run alone take a minute. Removals (forget, the
 * reaper) are not in the model yet. Name validation happens before the registry (in the
 * Builder) and is checked by RegistryTest.
 *
 * <p>What the results make checkable:
 *
 * <ul>
 *   <li>define: the prototype of the tracepoint returned and whether this call created it (the
 *       factory built it on this thread, during this call), or that it was refused. So a name gets
 *       exactly one tracepoint, the racing definition that lost returns the winner's, and another
 *       prototype is refused.
 *   <li>the listener guarantee: listeners run on the thread whose call tells them, before it
 *       returns; each operation returns what its own call told ({@link CallLog}). A new tracepoint
 *       is told to the listeners registered at its define's linearization point, and an
 *       addListener is told the tracepoints defined at its own. A pair told twice, or by neither
 *       call, has no linearization: "exactly once" is part of the specification.
 * </ul>
 *
 * <p>Adding a listener that is already added is refused and tells nothing, as the registry does; a
 * define that finds its name taken while the listeners are told waits for them (not visible in
 * results: the sequential specification is unchanged).
 */
@Param(name = "name", gen = IntGen.class, conf = "0:1")
@Param(name = "prototype", gen = IntGen.class, conf = "0:1")
@Param(name = "glob", gen = IntGen.class, conf = "0:2")
@Param(name = "listener", gen = IntGen.class, conf = "0:1")
public class RegistryLincheckTest {

    /** Two names, so that concurrent definitions often race for one; the globs tell them apart. */
    static final List<String> NAMES = List.of("a:x", "b:y");

    static final List<String> GLOBS = List.of("a:*", "*:y", "?:?");

    static final List<Class<?>> PROTOTYPES = List.of(Request.class, OtherRequest.class);

    /** What addListener returns when the listener was already added. */
    static final String REFUSED = "refused";

    /** One prototype. */
    public interface Request {
        void request(String method, int status);
    }

    /** Another, with the same parameters: a conflict under the same name. */
    public interface OtherRequest {
        void request(String method, int status);
    }

    /**
     * Each name with each prototype, checked once (reflection is slow, and its loops look like
     * livelocks to the model checker) and shared by every scenario: a definition is immutable but
     * for its key, which only probes retarget, and no probe is registered here. An array, not a List: Lincheck snapshots java.util objects that operations read from static fields
     * together with everything they reach, here down to reflection internals it may not open.
     */
    private static final Definition<?>[][] DEFINITIONS = NAMES.stream()
            .map(name -> PROTOTYPES.stream()
                    .map(prototype -> Tracepoint.builder(name, prototype)
                            .arguments("method", "status")
                            .definition())
                    .toArray(Definition<?>[]::new))
            .toArray(Definition<?>[][]::new);

    private final Factory factory = new Factory();
    private final Registry registry = new Registry(factory);
    private final CallLog log = new CallLog();
    private final List<Consumer<Tracepoint<?>>> listeners = List.of(listener(0), listener(1));

    /** Lincheck creates one instance per scenario. */
    public RegistryLincheckTest() {}

    @Operation
    public Defined define(@Param(name = "name") int name, @Param(name = "prototype") int prototype) {
        try {
            Tracepoint<?> tracepoint = registry.define(DEFINITIONS[name][prototype]);
            boolean created = tracepoint == factory.takeBuilt();
            return new Defined(
                    tracepoint.prototype().getSimpleName() + (created ? " created" : " existing"), log.take());
        } catch (IllegalArgumentException e) {
            factory.takeBuilt();
            return new Defined("refused", log.take());
        }
    }

    @Operation
    public String lookup(@Param(name = "name") int name) {
        return registry.lookup(NAMES.get(name))
                .map(tracepoint -> tracepoint.prototype().getSimpleName())
                .orElse("absent");
    }

    @Operation
    public List<String> find(@Param(name = "glob") int glob) {
        return names(registry.find(GLOBS.get(glob)));
    }

    @Operation
    public List<String> all() {
        return names(registry.all());
    }

    @Operation
    public List<String> addListener(@Param(name = "listener") int listener) {
        try {
            registry.addListener(listeners.get(listener));
            return log.take();
        } catch (IllegalStateException e) {
            return Stream.concat(Stream.of(REFUSED), log.take().stream()).toList();
        }
    }

    @Operation
    public boolean removeListener(@Param(name = "listener") int listener) {
        return registry.removeListener(listeners.get(listener));
    }

    @Test
    void modelChecking() {
        new ModelCheckingOptions()
                .sequentialSpecification(Model.class)
                .threads(3)
                .actorsPerThread(2)
                .actorsBefore(1)
                .actorsAfter(2)
                .iterations(20)
                .invocationsPerIteration(150)
                .check(getClass());
    }

    @Test
    void stress() {
        new StressOptions()
                .sequentialSpecification(Model.class)
                .threads(2)
                .actorsPerThread(3)
                .iterations(6)
                .invocationsPerIteration(1_000)
                .check(getClass());
    }

    /** The result of define: what was returned or why it was refused, and what this call told. */
    public record Defined(String outcome, List<String> told) {}

    /** Builds unfired tracepoints and remembers, per thread, the one it built during the current call. */
    private static final class Factory implements Registry.Factory {
        private final ThreadLocal<Tracepoint<?>> built = new ThreadLocal<>();

        @Override
        public <P> Tracepoint<P> create(Definition<P> definition) {
            Tracepoint<P> tracepoint = new UnfiredTracepoint<>(definition);
            built.set(tracepoint);
            return tracepoint;
        }

        /** The tracepoint built on this thread since the last call, or null; starts afresh. */
        Tracepoint<?> takeBuilt() {
            Tracepoint<?> tracepoint = built.get();
            built.remove();
            return tracepoint;
        }
    }

    private Consumer<Tracepoint<?>> listener(int id) {
        return tracepoint -> log.record(entry(id, tracepoint.name()));
    }

    /** A log entry: listener {@code id} was told of {@code name}. */
    private static String entry(int listener, String name) {
        return "L" + listener + " " + name;
    }

    private static List<String> names(List<Tracepoint<?>> tracepoints) {
        return tracepoints.stream().map(Tracepoint::name).toList();
    }

    /** The sequential specification: a sorted map from name to prototype, and a list of listeners. */
    public static final class Model {
        private final Map<String, Class<?>> byName = new TreeMap<>();
        private final List<Integer> listeners = new ArrayList<>();

        public Model() {}

        public Defined define(int name, int prototype) {
            String n = NAMES.get(name);
            Class<?> p = PROTOTYPES.get(prototype);
            Class<?> existing = byName.get(n);
            if (existing == null) {
                byName.put(n, p);
                List<String> told = new ArrayList<>();
                for (int listener : listeners) {
                    told.add(entry(listener, n));
                }
                told.sort(null);
                return new Defined(p.getSimpleName() + " created", told);
            }
            return new Defined(existing == p ? p.getSimpleName() + " existing" : "refused", List.of());
        }

        public String lookup(int name) {
            Class<?> p = byName.get(NAMES.get(name));
            return p == null ? "absent" : p.getSimpleName();
        }

        public List<String> find(int glob) {
            // a second glob implementation: a regular expression
            Pattern pattern = Pattern.compile(GLOBS.get(glob).replace("?", ".").replace("*", ".*"));
            return byName.keySet().stream()
                    .filter(n -> pattern.matcher(n).matches())
                    .toList();
        }

        public List<String> all() {
            return List.copyOf(byName.keySet());
        }

        public List<String> addListener(int listener) {
            if (listeners.contains(listener)) {
                return List.of(REFUSED);
            }
            listeners.add(listener);
            return byName.keySet().stream().map(n -> entry(listener, n)).toList();
        }

        public boolean removeListener(int listener) {
            return listeners.removeIf(l -> l == listener);
        }
    }
}
