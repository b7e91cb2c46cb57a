package io.tracepoint4j;

import java.util.ArrayList;
import java.util.List;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of the probes of one tracepoint, the registry every tracepoint keeps (docs/STYLE.md rule
 * 11): register, unregister, probeCount and isRegistered against {@link Model}, a set of probes.
 * Each scenario has a fresh {@link UnfiredTracepoint}: the registration code is Tracepoint's own,
 * only the generated firing code is missing (no operation fires).
 *
 * <p>Oracles 4 and 5 of docs/design/tracepoints.md are part of the results: a duplicate register and a missing unregister are
 * refused, and {@code onFirstProbe}/{@code onLastProbe} run on exactly the calls that take the
 * tracepoint from 0 to 1 and from 1 to 0 probes (the hooks run on the calling thread; each operation
 * returns what its own call ran, through {@link CallLog}).
 *
 * <p>Stress only, no model checking: every unregister retires the old array through the flavor's
 * JVM-wide RCU domain, whose callback task may start a thread of a shared executor. The model
 * checker takes such a thread for one of the scenario's own, schedules it and waits for it to end,
 * which an idle pool thread does not do: the scenario hangs. It would also roll back, after every
 * scenario, the static state the scenario touched: here the domain and the executor that every other
 * test in the JVM uses. Model checking these operations needs the domain to become a seam of the
 * Definition, with a stand-in that runs callbacks at once (no operation fires, so no reader exists).
 *
 * <p>probeCount and isRegistered read the registrations array ([R] in ProbeUpdates); the probe array
 * that firings read ([P]) is published by a second store, so mixing it into these results would
 * report a non-atomicity that the contract allows ("firings that begin after register returns").
 * Firing order (oracle 3) is decided under the update lock and checked by ProbeTest.
 */
@Param(name = "probe", gen = IntGen.class, conf = "0:2")
@Param(name = "priority", gen = IntGen.class, conf = "9:10")
public class ProbeRegistrationLincheckTest {

    /** The prototype. */
    public interface Request {
        void request(String method, int status);
    }

    private final CallLog log = new CallLog();
    private final List<Request> probes = List.of(new Probe(0), new Probe(1), new Probe(2));
    private final Tracepoint<Request> tracepoint =
            new UnfiredTracepoint<>(Tracepoint.builder("lincheck:probes", Request.class)
                    .arguments("method", "status")
                    .onFirstProbe(() -> log.record("onFirstProbe"))
                    .onLastProbe(() -> log.record("onLastProbe"))
                    .definition());

    /** Lincheck creates one instance per scenario. */
    public ProbeRegistrationLincheckTest() {}

    @Operation
    public Changed register(@Param(name = "probe") int probe, @Param(name = "priority") int priority) {
        try {
            tracepoint.register(probes.get(probe), priority);
            return new Changed("registered", log.take());
        } catch (IllegalStateException e) {
            return new Changed("refused: already registered", log.take());
        }
    }

    @Operation
    public Changed unregister(@Param(name = "probe") int probe) {
        try {
            tracepoint.unregister(probes.get(probe));
            return new Changed("unregistered", log.take());
        } catch (IllegalStateException e) {
            return new Changed("refused: not registered", log.take());
        }
    }

    @Operation
    public int probeCount() {
        return tracepoint.probeCount();
    }

    @Operation
    public boolean isRegistered(@Param(name = "probe") int probe) {
        return tracepoint.isRegistered(probes.get(probe));
    }

    @Test
    void stress() {
        new StressOptions()
                .sequentialSpecification(Model.class)
                .threads(2)
                .actorsPerThread(3)
                .iterations(8)
                .invocationsPerIteration(1_000)
                .check(getClass());
    }

    /** The result of register or unregister: what happened, and the hooks this call ran. */
    public record Changed(String outcome, List<String> hooks) {}

    /** A probe that does nothing (no firing here), named for the failure reports. */
    record Probe(int id) implements Request {
        @Override
        public void request(String method, int status) {}
    }

    /** The sequential specification: the registered probes, and the hooks on 0 -> 1 and 1 -> 0. */
    public static final class Model {
        private final List<Integer> registered = new ArrayList<>();

        public Model() {}

        public Changed register(int probe, int priority) {
            if (registered.contains(probe)) {
                return new Changed("refused: already registered", List.of());
            }
            registered.add(probe);
            return new Changed("registered", registered.size() == 1 ? List.of("onFirstProbe") : List.of());
        }

        public Changed unregister(int probe) {
            if (!registered.remove((Integer) probe)) {
                return new Changed("refused: not registered", List.of());
            }
            return new Changed("unregistered", registered.isEmpty() ? List.of("onLastProbe") : List.of());
        }

        public int probeCount() {
            return registered.size();
        }

        public boolean isRegistered(int probe) {
            return registered.contains(probe);
        }
    }
}
