package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint.Definition;
import io.tracepoint4j.Tracepoint.Flavor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MutableCallSite;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Registering and firing, for both flavors: no probe, one, many; docs/design/tracepoints.md oracle 3 (priority order), oracle 4
 * (duplicate register and missing unregister change nothing), oracle 5 (hooks exactly on 0->1 and
 * 1->0) and the static key.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class ProbeTest {

    /** The prototype used here. */
    public interface Event {
        void event(String label, int n);
    }

    static Tracepoint<Event> define(Flavor flavor) {
        return define(flavor, Tracepoint.builder(unique("probe", "event"), Event.class));
    }

    /** A builder of a tracepoint whose first- and last-probe hooks count their runs in {@code first} and {@code last}. */
    static Tracepoint.Builder<Event> counting(String purpose, AtomicInteger first, AtomicInteger last) {
        return Tracepoint.builder(unique("probe", purpose), Event.class)
                .onFirstProbe(first::incrementAndGet)
                .onLastProbe(last::incrementAndGet);
    }

    static Tracepoint<Event> define(Flavor flavor, Tracepoint.Builder<Event> builder) {
        builder.arguments("label", "n");
        return (flavor == Flavor.FAULTABLE ? builder.faultable() : builder).define();
    }

    /** A probe that appends "name:label:n" to a shared list. */
    static Event recorder(List<String> calls, String name) {
        return new Event() {
            @Override
            public void event(String label, int n) {
                calls.add(name + ":" + label + ":" + n);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void firingWithoutProbesDoesNothing(Flavor flavor) {
        Tracepoint<Event> tp = define(flavor);
        assertThat(tp.enabled()).isFalse();
        assertThat(tp.probeCount()).isZero();
        tp.fire().event("nothing", 1);
        assertThat(tp.flavor()).isEqualTo(flavor);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void oneProbeReceivesEveryArgument(Flavor flavor) {
        Tracepoint<Event> tp = define(flavor);
        List<String> calls = new ArrayList<>();
        Event probe = recorder(calls, "p");
        tp.register(probe);
        assertThat(tp.enabled()).isTrue();
        assertThat(tp.isRegistered(probe)).isTrue();
        tp.fire().event("a", 1);
        tp.fire().event("b", 2);
        assertThat(calls).containsExactly("p:a:1", "p:b:2");

        tp.unregister(probe);
        assertThat(tp.enabled()).isFalse();
        tp.fire().event("c", 3);
        assertThat(calls).containsExactly("p:a:1", "p:b:2");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void manyProbesEachCalledOncePerFiring(Flavor flavor) {
        Tracepoint<Event> tp = define(flavor);
        List<String> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tp.register(recorder(calls, "p" + i));
        }
        assertThat(tp.probeCount()).isEqualTo(8);
        tp.fire().event("x", 7);
        assertThat(calls)
                .containsExactly("p0:x:7", "p1:x:7", "p2:x:7", "p3:x:7", "p4:x:7", "p5:x:7", "p6:x:7", "p7:x:7");
    }

    /** Oracle 3: descending priority, registration order among equals, also after removals. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void probesRunInPriorityOrderThenRegistrationOrder(Flavor flavor) {
        Tracepoint<Event> tp = define(flavor);
        List<String> calls = new ArrayList<>();
        Event a10 = recorder(calls, "a10");
        Event b20 = recorder(calls, "b20");
        Event c10 = recorder(calls, "c10");
        Event d5 = recorder(calls, "d5");
        Event e20 = recorder(calls, "e20");
        Event f10 = recorder(calls, "f10");
        tp.register(a10);
        tp.register(b20, 20);
        tp.register(c10, Tracepoint.DEFAULT_PRIORITY);
        tp.register(d5, 5);
        tp.register(e20, 20);
        tp.register(f10, 10);
        tp.fire().event("x", 0);
        assertThat(names(calls)).containsExactly("b20", "e20", "a10", "c10", "f10", "d5");

        calls.clear();
        tp.unregister(c10);
        tp.register(c10, 10); // goes after the other 10s now
        tp.register(recorder(calls, "g-1"), -1);
        tp.fire().event("x", 0);
        assertThat(names(calls)).containsExactly("b20", "e20", "a10", "f10", "c10", "d5", "g-1");
    }

    /**
     * Static call: up to INLINED_PROBES probes are bound into the dispatch target, more are called
     * from the array. Every count on the way up and down, in random priorities and removal order,
     * calls exactly the registered probes in priority order.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void everyProbeCountAcrossTheInlinedLimitCallsExactlyTheRegisteredProbesInOrder(Flavor flavor) {
        Tracepoint<Event> tp = define(flavor);
        List<String> calls = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(20261125);
        List<Event> model = new ArrayList<>(); // firing order
        Map<Event, Integer> priorities = new HashMap<>();
        int most = ProbeUpdates.INLINED_PROBES + 3;
        for (int i = 0; i < most; i++) {
            Event probe = recorder(calls, "p" + i);
            int priority = random.nextInt(4);
            tp.register(probe, priority);
            priorities.put(probe, priority);
            int at = 0;
            while (at < model.size() && priorities.get(model.get(at)) >= priority) {
                at++;
            }
            model.add(at, probe);
            assertFiresExactly(tp, calls, model);
        }
        while (!model.isEmpty()) {
            Event probe = model.remove(random.nextInt(model.size()));
            tp.unregister(probe);
            assertFiresExactly(tp, calls, model);
        }
        assertThat(tp.enabled()).isFalse();
    }

    private static void assertFiresExactly(Tracepoint<Event> tp, List<String> calls, List<Event> model) {
        calls.clear();
        tp.fire().event("x", model.size());
        assertThat(names(calls))
                .as("%d probes registered", model.size())
                .containsExactlyElementsOf(model.stream().map(Object::toString).toList());
    }

    private static List<String> names(List<String> calls) {
        return calls.stream().map(c -> c.substring(0, c.indexOf(':'))).toList();
    }

    /** Oracle 4 and 5: a duplicate register fails and changes nothing: no hook, no key flip. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void duplicateRegisterFailsAndChangesNothing(Flavor flavor) {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger last = new AtomicInteger();
        Tracepoint<Event> tp = define(flavor, counting("dup", first, last));
        List<String> calls = new ArrayList<>();
        Event probe = recorder(calls, "p");
        tp.register(probe, 3);

        assertThatThrownBy(() -> tp.register(probe))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already registered")
                .hasMessageContaining("Nothing was changed");
        assertThatThrownBy(() -> tp.register(probe, 99)).isInstanceOf(IllegalStateException.class);
        assertThat(tp.probeCount()).isEqualTo(1);
        assertThat(first.get()).isEqualTo(1);
        assertThat(last.get()).isZero();
        tp.fire().event("once", 1);
        assertThat(calls).containsExactly("p:once:1");
    }

    /**
     * A method reference is a new object each time it is evaluated, so unregistering "the same"
     * one finds nothing: the error says why, and the probe stays registered.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void unregisteringAMethodReferenceAgainExplainsIdentity(Flavor flavor) {
        Tracepoint<Event> tp = define(flavor, Tracepoint.builder(unique("probe", "methodref"), Event.class));
        tp.register(this::onEvent);
        assertThatThrownBy(() -> tp.unregister(this::onEvent))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("matched by identity")
                .hasMessageContaining("Keep the probe in a field");
        assertThat(tp.probeCount()).isEqualTo(1);
        Event kept = recorder(new ArrayList<>(), "kept");
        assertThatThrownBy(() -> tp.unregister(kept))
                .as("no hint for an ordinary object")
                .isInstanceOf(IllegalStateException.class)
                .message()
                .doesNotContain("matched by identity");
    }

    private void onEvent(String label, int n) {}

    /** unregisterIfRegistered: true and unregistered once, then false, never throwing for a missing probe. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void unregisterIfRegisteredSaysWhetherItWasAndNeverThrowsForAMissingProbe(Flavor flavor) {
        AtomicInteger last = new AtomicInteger();
        Tracepoint<Event> tp = define(
                flavor,
                Tracepoint.builder(unique("probe", "ifRegistered"), Event.class).onLastProbe(last::incrementAndGet));
        List<String> calls = new ArrayList<>();
        Event probe = recorder(calls, "probe");
        tp.register(probe);
        assertThat(tp.unregisterIfRegistered(probe)).isTrue();
        assertThat(tp.enabled()).isFalse();
        assertThat(last.get()).isEqualTo(1);
        assertThat(tp.unregisterIfRegistered(probe)).isFalse();
        assertThat(last.get()).as("nothing changed the second time").isEqualTo(1);
        assertThatThrownBy(() -> tp.unregisterIfRegistered(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tp.unregisterIfRegistered("not a probe"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a " + Event.class.getName());
    }

    /**
     * replace: the replacement runs where the probe ran (its priority), the hooks do not run (the
     * count is unchanged), a probe not registered is reported and changes nothing, and misuse is
     * refused with nothing changed.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void replaceTakesTheProbesPlaceWithoutRunningTheHooks(Flavor flavor) {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger last = new AtomicInteger();
        Tracepoint<Event> tp = define(flavor, counting("replace", first, last));
        List<String> calls = new ArrayList<>();
        Event a10 = recorder(calls, "a10");
        Event b5 = recorder(calls, "b5");
        Event c20 = recorder(calls, "c20");
        Event x = recorder(calls, "x");
        tp.register(a10, 10);
        tp.register(b5, 5);
        tp.register(c20, 20);
        assertThat(tp.replace(a10, x)).isTrue();
        tp.fire().event("e", 1);
        assertThat(names(calls)).containsExactly("c20", "x", "b5");
        assertThat(tp.isRegistered(a10)).isFalse();
        assertThat(tp.isRegistered(x)).isTrue();
        assertThat(tp.probeCount()).isEqualTo(3);
        assertThat(first.get()).isEqualTo(1);
        assertThat(last.get()).isZero();

        assertThat(tp.replace(a10, recorder(calls, "y"))).as("a10 is gone").isFalse();
        assertThat(tp.replace(x, x)).as("a probe in its own place").isTrue();
        assertThatThrownBy(() -> tp.replace(x, c20))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already registered");
        assertThatThrownBy(() -> tp.replace(x, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tp.replace(null, x)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tp.replace("not a probe", x)).isInstanceOf(IllegalArgumentException.class);
        calls.clear();
        tp.fire().event("e", 2);
        assertThat(names(calls)).as("nothing changed").containsExactly("c20", "x", "b5");

        tp.unregister(x);
        tp.unregister(b5);
        tp.unregister(c20);
        assertThat(last.get()).isEqualTo(1);
        assertThat(tp.enabled()).isFalse();
    }

    /**
     * replace under firings: each firing calls the probe or its replacement, never both and never
     * neither, while the two change places thousands of times (an unregister followed by a register
     * would leave firings with neither; the other order, with both).
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aReplacedProbeAndItsReplacementShareEveryFiringExactlyOnce(Flavor flavor) throws Exception {
        Tracepoint<Event> tp = define(flavor);
        java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
        Event one = (label, n) -> calls.incrementAndGet();
        Event other = (label, n) -> calls.incrementAndGet();
        tp.register(one);
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong fired = new java.util.concurrent.atomic.AtomicLong();
        Thread firing = new Thread(() -> {
            while (!stop.get()) {
                tp.fire().event("f", 1);
                fired.incrementAndGet();
            }
        });
        firing.start();
        while (fired.get() < 1000) { // firing before the first replace
            Thread.onSpinWait();
        }
        // Replace at least 2000 times and until 1000 firings overlapped the replacing: on a loaded
        // machine the firing thread may be off its core for a whole batch of replaces, so a fixed
        // count alone could test nothing.
        long before = fired.get();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15); // the class: 20 s
        try {
            Event current = one;
            int replaces = 0;
            while (replaces < 2000 || fired.get() - before < 1000) {
                assertThat(System.nanoTime() - deadline)
                        .as("firings while replacing, within 15 s")
                        .isNegative();
                Event next = current == one ? other : one;
                assertThat(tp.replace(current, next)).isTrue();
                current = next;
                replaces++;
            }
        } finally {
            stop.set(true);
            firing.join();
        }
        assertThat(calls.get()).as("probe calls, one per firing").isEqualTo(fired.get());
    }

    /** Oracle 4 and 5: a missing unregister fails and changes nothing, also on an empty tracepoint. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void missingUnregisterFailsAndChangesNothing(Flavor flavor) {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger last = new AtomicInteger();
        Tracepoint<Event> tp = define(flavor, counting("missing", first, last));
        List<String> calls = new ArrayList<>();
        Event never = recorder(calls, "never");

        assertThatThrownBy(() -> tp.unregister(never))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not registered")
                .hasMessageContaining("Nothing was changed");
        assertThat(tp.enabled()).isFalse();
        assertThat(last.get()).isZero();

        Event probe = recorder(calls, "p");
        tp.register(probe);
        assertThatThrownBy(() -> tp.unregister(never)).isInstanceOf(IllegalStateException.class);
        assertThat(tp.enabled()).isTrue();
        assertThat(tp.probeCount()).isEqualTo(1);
        tp.unregister(probe);
        assertThatThrownBy(() -> tp.unregister(probe)).isInstanceOf(IllegalStateException.class);
        assertThat(first.get()).isEqualTo(1);
        assertThat(last.get()).isEqualTo(1);
        assertThat(tp.enabled()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void nullAndTheTracepointItselfAreRefused(Flavor flavor) {
        AtomicInteger first = new AtomicInteger();
        Tracepoint<Event> tp = define(
                flavor, Tracepoint.builder(unique("probe", "null"), Event.class).onFirstProbe(first::incrementAndGet));
        assertThatThrownBy(() -> tp.register(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("register(null)");
        assertThatThrownBy(() -> tp.unregister(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tp.register(tp.fire()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tracepoint itself");
        assertThat(tp.enabled()).isFalse();
        assertThat(first.get()).isZero();
    }

    /** Oracle 5: hooks run exactly on 0->1 and 1->0, onFirstProbe before the probe is visible. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void hooksRunExactlyOnFirstAndLastProbe(Flavor flavor) {
        List<String> log = new ArrayList<>();
        Tracepoint<Event>[] self = holder();
        Tracepoint<Event> tp = define(
                flavor,
                Tracepoint.builder(unique("probe", "hooks"), Event.class)
                        .onFirstProbe(
                                () -> log.add("first enabled=" + self[0].enabled() + " probes=" + self[0].probeCount()))
                        .onLastProbe(() ->
                                log.add("last enabled=" + self[0].enabled() + " probes=" + self[0].probeCount())));
        self[0] = tp;
        Event a = recorder(new ArrayList<>(), "a");
        Event b = recorder(new ArrayList<>(), "b");
        for (int round = 0; round < 3; round++) {
            tp.register(a);
            tp.register(b);
            tp.unregister(a);
            tp.register(a);
            tp.unregister(b);
            tp.unregister(a);
        }
        assertThat(log)
                .containsExactly(
                        "first enabled=false probes=0",
                        "last enabled=false probes=0",
                        "first enabled=false probes=0",
                        "last enabled=false probes=0",
                        "first enabled=false probes=0",
                        "last enabled=false probes=0");
    }

    /** Oracle 5: a throwing onFirstProbe aborts the registration; nothing changes. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void failingFirstProbeHookAbortsRegistration(Flavor flavor) {
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger last = new AtomicInteger();
        Tracepoint<Event> tp = define(
                flavor,
                Tracepoint.builder(unique("probe", "regfail"), Event.class)
                        .onFirstProbe(() -> {
                            if (attempts.incrementAndGet() == 1) {
                                throw new IllegalStateException("collector unavailable");
                            }
                        })
                        .onLastProbe(last::incrementAndGet));
        List<String> calls = new ArrayList<>();
        Event probe = recorder(calls, "p");
        assertThatThrownBy(() -> tp.register(probe)).hasMessage("collector unavailable");
        assertThat(tp.enabled()).isFalse();
        assertThat(tp.isRegistered(probe)).isFalse();
        tp.fire().event("lost", 0);
        assertThat(calls).isEmpty();
        assertThat(last.get()).isZero();

        tp.register(probe); // the hook succeeds now
        tp.fire().event("seen", 1);
        assertThat(calls).containsExactly("p:seen:1");
        assertThat(attempts.get()).isEqualTo(2);
    }

    /**
     * A lifecycle hook that waits for a grace period is refused: the hook holds the update lock,
     * and a running probe that unregisters itself waits for that lock while the grace period waits
     * for the probe. This used to deadlock; now the hook's wait throws (its throw logged), the
     * unregister returns, and the probe's own unregister finds it gone.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
    void aHookThatWaitsForAGracePeriodIsRefusedInsteadOfDeadlocking() throws Exception {
        Tracepoint<Event>[] self = holder();
        java.util.concurrent.atomic.AtomicReference<String> refused =
                new java.util.concurrent.atomic.AtomicReference<>();
        Tracepoint<Event> tp = Tracepoint.builder(unique("probe", "waitinghook"), Event.class)
                .arguments("label", "n")
                .faultable()
                .onLastProbe(() -> {
                    try {
                        self[0].synchronizeUnregister(); // free what the probes used: the mistake
                    } catch (IllegalStateException e) {
                        refused.set(e.getMessage());
                        throw e;
                    }
                })
                .define();
        self[0] = tp;
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicBoolean stillRegistered = new AtomicBoolean(true);
        Event selfUnregistering = new Event() {
            @Override
            public void event(String label, int n) {
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                stillRegistered.set(tp.unregisterIfRegistered(this)); // needs the update lock
            }
        };
        tp.register(selfUnregistering);
        Thread firing = Thread.ofPlatform().start(() -> tp.fire().event("x", 1));
        inside.await();
        java.util.concurrent.CompletableFuture<Void> unregistering =
                java.util.concurrent.CompletableFuture.runAsync(() -> tp.unregister(selfUnregistering));
        Thread.sleep(200); // the hook runs, holding the update lock
        release.countDown(); // the probe goes on to its own unregister
        unregistering.get(10, TimeUnit.SECONDS);
        firing.join(10_000);
        assertThat(firing.isAlive()).as("the firing thread ended").isFalse();
        assertThat(stillRegistered.get())
                .as("the probe found itself unregistered")
                .isFalse();
        assertThat(refused.get()).startsWith("synchronizeUnregister() called from an onFirstProbe or onLastProbe hook");
    }

    /** The call sites a registration retargets after its onFirstProbe hook ran. */
    enum Site {
        KEY,
        DISPATCH
    }

    /**
     * The kernel's contract: a registration that fails after regfunc ran calls unregfunc. Here a
     * retarget fails (injected through a call site of the definition) after the hook ran and the
     * probe was published: the registration is undone, onLastProbe runs, and a later registration
     * runs onFirstProbe again.
     */
    @ParameterizedTest
    @EnumSource(Site.class)
    void aRegistrationFailingAfterTheFirstProbeHookIsUndone(Site site) {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger last = new AtomicInteger();
        AtomicBoolean failNextRetarget = new AtomicBoolean();
        Tracepoint<Event> tp = generateFailing(site, failNextRetarget, counting("undo", first, last));
        List<String> calls = new ArrayList<>();
        Event probe = recorder(calls, "p");

        failNextRetarget.set(true);
        assertThatThrownBy(() -> tp.register(probe)).hasMessage(FailingCallSite.FAILURE);
        assertThat(first.get()).isEqualTo(1);
        assertThat(last.get()).as("onLastProbe undoes onFirstProbe").isEqualTo(1);
        assertThat(tp.isRegistered(probe)).isFalse();
        assertThat(tp.enabled()).isFalse();
        tp.fire().event("undone", 0);
        assertThat(calls).isEmpty();

        tp.register(probe);
        assertThat(first.get()).isEqualTo(2);
        tp.fire().event("registered", 1);
        assertThat(calls).containsExactly("p:registered:1");
    }

    /** A registration failing with probes already registered leaves them as they were, hooks unrun. */
    @Test
    void aRegistrationFailingBesideOtherProbesLeavesThemAsTheyWere() {
        AtomicInteger hooks = new AtomicInteger();
        AtomicBoolean failNextRetarget = new AtomicBoolean();
        Tracepoint<Event> tp = generateFailing(
                Site.DISPATCH,
                failNextRetarget,
                Tracepoint.builder(unique("probe", "undo"), Event.class)
                        .onFirstProbe(hooks::incrementAndGet)
                        .onLastProbe(hooks::incrementAndGet));
        List<String> calls = new ArrayList<>();
        Event a = recorder(calls, "a");
        Event b = recorder(calls, "b");
        tp.register(a);

        failNextRetarget.set(true);
        assertThatThrownBy(() -> tp.register(b, 20)).hasMessage(FailingCallSite.FAILURE);
        assertThat(tp.isRegistered(b)).isFalse();
        assertThat(tp.probeCount()).isEqualTo(1);
        tp.fire().event("x", 0);
        assertThat(calls).containsExactly("a:x:0");
        assertThat(hooks.get()).as("only the first registration's onFirstProbe").isEqualTo(1);
    }

    /** A copy of a call site whose next setTarget throws when {@code failNext} is set (and clears it). */
    static final class FailingCallSite extends MutableCallSite {
        static final String FAILURE = "injected retarget failure";
        private final AtomicBoolean failNext;

        FailingCallSite(MutableCallSite like, AtomicBoolean failNext) {
            super(like.getTarget());
            this.failNext = failNext;
        }

        @Override
        public void setTarget(MethodHandle target) {
            if (failNext.getAndSet(false)) {
                throw new IllegalStateException(FAILURE);
            }
            super.setTarget(target);
        }
    }

    /**
     * The tracepoint of {@code builder}, generated outside the registry, whose {@code site} fails
     * its next retarget whenever {@code failNextRetarget} is set.
     */
    static Tracepoint<Event> generateFailing(
            Site site, AtomicBoolean failNextRetarget, Tracepoint.Builder<Event> builder) {
        Definition<Event> d = builder.arguments("label", "n").definition();
        return TracepointClassGenerator.generate(new Definition<>(
                d.name(),
                d.flavor(),
                d.prototype(),
                d.method(),
                d.arguments(),
                d.eventTimeIndex(),
                d.onFirstProbe(),
                d.onLastProbe(),
                site == Site.KEY ? new FailingCallSite(d.key(), failNextRetarget) : d.key(),
                site == Site.DISPATCH ? new FailingCallSite(d.dispatch(), failNextRetarget) : d.dispatch()));
    }

    @Test
    void hooksMayNotChangeTheirOwnTracepoint() {
        Tracepoint<Event>[] self = holder();
        Event other = recorder(new ArrayList<>(), "other");
        Tracepoint<Event> tp = Tracepoint.builder(unique("probe", "reentrant"), Event.class)
                .arguments("label", "n")
                .onFirstProbe(() -> self[0].register(other))
                .define();
        self[0] = tp;
        assertThatThrownBy(() -> tp.register(recorder(new ArrayList<>(), "p")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("from its own onFirstProbe/onLastProbe hook");
        assertThat(tp.probeCount()).isZero();
        assertThat(tp.enabled()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aProbeMayRegisterAndUnregisterProbesWhileFiring(Flavor flavor) {
        Tracepoint<Event> tp = define(flavor);
        List<String> calls = new ArrayList<>();
        Event late = recorder(calls, "late");
        Event[] self = new Event[1];
        self[0] = (label, n) -> {
            calls.add("self:" + label);
            tp.unregister(self[0]);
            tp.register(late);
        };
        tp.register(self[0]);
        tp.fire().event("1", 1); // this firing loaded the old array: late is not called yet
        tp.fire().event("2", 2);
        assertThat(calls).containsExactly("self:1", "late:2:2");
        assertThat(tp.failures(late)).isZero();
    }

    @SuppressWarnings("unchecked")
    static <P> Tracepoint<P>[] holder() {
        return (Tracepoint<P>[]) new Tracepoint<?>[1];
    }
}
