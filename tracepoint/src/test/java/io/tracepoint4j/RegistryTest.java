package io.tracepoint4j;

import static io.tracepoint4j.testkit.Waits.assertBlocked;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint.Flavor;
import io.tracepoint4j.testkit.LogCapture;
import io.tracepoint4j.testkit.Waits;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/** The registry: enumerate, lookup, glob, listeners, name validation, redefinition and conflicts. */
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class RegistryTest {

    /** A prototype. */
    public interface Request {
        void request(String method, int status);
    }

    /** Another prototype with the same parameter types. */
    public interface OtherRequest {
        void request(String method, int status);
    }

    // the providers here are used by no other test class
    static final Tracepoint<Request> HTTP_REQUEST =
            Tracepoint.define("glhttp:request", Request.class, "method", "status");
    static final Tracepoint<Request> HTTP_RESPONSE =
            Tracepoint.defineFaultable("glhttp:response", Request.class, "method", "status");
    static final Tracepoint<Request> RPC_REQUEST =
            Tracepoint.define("glrpc:request", Request.class, "method", "status");

    @Test
    void enumeratesEveryTracepointWithItsDescription() {
        assertThat(Tracepoints.all()).contains(HTTP_REQUEST, HTTP_RESPONSE, RPC_REQUEST);
        List<String> names = Tracepoints.all().stream().map(Tracepoint::name).toList();
        assertThat(names).isSorted();
        assertThat(HTTP_REQUEST.provider()).isEqualTo("glhttp");
        assertThat(HTTP_REQUEST.event()).isEqualTo("request");
        assertThat(HTTP_REQUEST.flavor()).isEqualTo(Flavor.REGULAR);
        assertThat(HTTP_RESPONSE.flavor()).isEqualTo(Flavor.FAULTABLE);
        assertThat(HTTP_REQUEST.prototype()).isEqualTo(Request.class);
        assertThat(HTTP_REQUEST.arguments())
                .containsExactly(
                        new Tracepoint.Argument("method", String.class), new Tracepoint.Argument("status", int.class));
        assertThat(HTTP_REQUEST.probeCount()).isZero();
        assertThat(HTTP_REQUEST.toString()).isEqualTo("glhttp:request(String method, int status) [regular, 0 probes]");
    }

    @Test
    void looksUpByExactNameAndByGlob() {
        assertThat(Tracepoints.lookup("glhttp:request")).containsSame(HTTP_REQUEST);
        assertThat(Tracepoints.lookup("glhttp:nothing")).isEmpty();
        assertThat(Tracepoints.find("glhttp:*")).containsExactly(HTTP_REQUEST, HTTP_RESPONSE);
        assertThat(Tracepoints.find("gl*:request")).containsExactly(HTTP_REQUEST, RPC_REQUEST);
        assertThat(Tracepoints.find("gl????:request")).containsExactly(HTTP_REQUEST);
        assertThat(Tracepoints.find("glhttp:request")).containsExactly(HTTP_REQUEST);
        assertThat(Tracepoints.find("*")).contains(HTTP_REQUEST, HTTP_RESPONSE, RPC_REQUEST);
        assertThat(Tracepoints.find("nomatch*")).isEmpty();
        assertThatThrownBy(() -> Tracepoints.lookup(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tracepoints.find(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void globMatching() {
        assertThat(Tracepoints.matches("http:*", "http:request"))
                .as("the public form")
                .isTrue();
        assertThat(Tracepoints.matches("http:*", "rpc:request")).isFalse();
        assertThatThrownBy(() -> Tracepoints.matches(null, "a:b")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Registry.matches("*", "a:b")).isTrue();
        assertThat(Registry.matches("a:*", "a:b")).isTrue();
        assertThat(Registry.matches("*:b", "a:b")).isTrue();
        assertThat(Registry.matches("*:*", "a:b")).isTrue();
        assertThat(Registry.matches("a*b*c", "a:xbyc")).isTrue();
        assertThat(Registry.matches("a*b*c", "a:xbyd")).isFalse();
        assertThat(Registry.matches("a:?", "a:bc")).isFalse();
        assertThat(Registry.matches("a:??", "a:bc")).isTrue();
        assertThat(Registry.matches("", "a:b")).isFalse();
        assertThat(Registry.matches("a:b*", "a:b")).isTrue();
        // ? is one character, a code point: an emoji's two chars too (a thread name in a filter)
        assertThat(Registry.matches("héllo ?", "héllo \uD83D\uDE00")).isTrue();
        assertThat(Registry.matches("héllo ??", "héllo \uD83D\uDE00")).isFalse();
        assertThat(Registry.matches("*?x", "\uD83D\uDE00x")).isTrue();
        // a '*' or '?' in the value is a character like any other (a filter's string), not a wildcard
        assertThat(Registry.matches("*a*", "a*b")).isTrue();
        assertThat(Registry.matches("*x", "*ax")).isTrue();
        assertThat(Registry.matches("a?c", "a*c")).isTrue();
        assertThat(Registry.matches("*\uDE00", "\uD83D\uDE00"))
                .as("a star resumes at code points: it never splits a pair")
                .isFalse();
    }

    /** A glob no name can match is refused, saying why; the ones that can match pass. */
    @Test
    void globsThatCanMatchNoNameAreRefused() {
        for (String fine :
                List.of("web:*", "*", "web:request", "*:request", "web?request", "w*", "a_1:B_2", "???", "a:?")) {
            assertThat(Tracepoints.checkGlob(fine)).isEqualTo(fine);
        }
        assertThatThrownBy(() -> Tracepoints.checkGlob("web:*,db:*"))
                .hasMessage("glob \"web:*,db:*\" matches no tracepoint: ',' is in no name (provider:event, letters,"
                        + " digits and _; a glob adds * and ?); give each glob on its own");
        assertThatThrownBy(() -> Tracepoints.checkGlob("web:[a-z]*")).hasMessageContaining("'[' is in no name");
        assertThatThrownBy(() -> Tracepoints.checkGlob("web request")).hasMessageContaining("' ' is in no name");
        assertThatThrownBy(() -> Tracepoints.checkGlob("web"))
                .hasMessage(
                        "glob \"web\" matches no tracepoint: a name is provider:event, e.g. \"web:*\" or \"*:web\"");
        for (String impossible : List.of(":", ":request", "web:", "a:b:c", "*:b:*")) {
            assertThatThrownBy(() -> Tracepoints.checkGlob(impossible))
                    .as(impossible)
                    .hasMessage("glob \"" + impossible + "\" matches no tracepoint: a name is provider:event, one ':'"
                            + " between two parts, neither empty (\"*\" stands for any part)");
        }
        for (String tooShort : List.of("?", "??", "?ab", "ab?")) { // found by a black-box test: "?" passed
            assertThatThrownBy(() -> Tracepoints.checkGlob(tooShort))
                    .as(tooShort)
                    .hasMessage("glob \"" + tooShort + "\" matches no tracepoint: without '*' it matches names of"
                            + " its own length, and a name is provider:event, one ':' between two parts, neither"
                            + " empty (\"*\" stands for any part)");
        }
        assertThatThrownBy(() -> Tracepoints.checkGlob("")).hasMessageContaining("got \"\"");
        assertThatThrownBy(() -> Tracepoints.checkGlob(null)).hasMessageContaining("got null");
    }

    @Test
    void listenersAreToldOfExistingAndLaterTracepointsOnce() {
        List<Tracepoint<?>> told = new CopyOnWriteArrayList<>();
        Consumer<Tracepoint<?>> listener = told::add;
        Tracepoints.addListener(listener);
        try {
            assertThat(told).contains(HTTP_REQUEST, HTTP_RESPONSE, RPC_REQUEST);
            assertThat(told).doesNotHaveDuplicates();
            int before = told.size();
            Tracepoint<Request> later = Tracepoint.define("reglater:request", Request.class, "method", "status");
            assertThat(told).hasSize(before + 1).last().isSameAs(later);
            Tracepoint.define("reglater:request", Request.class, "method", "status"); // existing: not told again
            assertThat(told).hasSize(before + 1);
        } finally {
            assertThat(Tracepoints.removeListener(listener)).isTrue();
        }
        Tracepoint.define("reglater:afterremove", Request.class, "method", "status");
        assertThat(told.stream().map(Tracepoint::name)).doesNotContain("reglater:afterremove");
        assertThat(Tracepoints.removeListener(listener)).isFalse();
    }

    /** A listener may attach probes: they are in place before define() returns. */
    @Test
    void listenerAttachesProbesBeforeTheFirstFiring() {
        List<String> calls = new CopyOnWriteArrayList<>();
        Consumer<Tracepoint<?>> attacher = tp -> {
            if (tp.name().equals("regattach:request")) {
                @SuppressWarnings("unchecked")
                Tracepoint<Request> typed = (Tracepoint<Request>) tp;
                typed.register((method, status) -> calls.add(method + status));
            }
        };
        Tracepoints.addListener(attacher);
        try {
            Tracepoint<Request> tp = Tracepoint.define("regattach:request", Request.class, "method", "status");
            tp.fire().request("GET", 200);
            assertThat(calls).containsExactly("GET200");
        } finally {
            Tracepoints.removeListener(attacher);
        }
    }

    /**
     * A define that finds the tracepoint while the first define still tells the listeners waits
     * for them: the probes a listener registers are in place for its first firing too.
     */
    @Test
    void aDefineFindingTheTracepointReturnsOnceListenersWereTold() {
        String name = "regannounce:request";
        CountDownLatch told = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> calls = new CopyOnWriteArrayList<>();
        Consumer<Tracepoint<?>> slowAttacher = tp -> {
            if (tp.name().equals(name)) {
                told.countDown();
                Waits.await(release, "the test to release the listener");
                @SuppressWarnings("unchecked")
                Tracepoint<Request> typed = (Tracepoint<Request>) tp;
                typed.register((method, status) -> calls.add(method + status));
            }
        };
        Tracepoints.addListener(slowAttacher);
        try {
            CompletableFuture<Tracepoint<Request>> first =
                    Waits.async("first-definer", () -> Tracepoint.define(name, Request.class, "method", "status"));
            await(told, "the listener to be told");
            CompletableFuture<Void> second = async(
                    "second-definer",
                    () -> Tracepoint.define(name, Request.class, "method", "status")
                            .fire()
                            .request("GET", 200));
            assertBlocked(second, "a second define while the listener of the first runs");
            release.countDown();
            await(second, "the second define and its firing");
            assertThat(calls).containsExactly("GET200");
            await(first, "the first define");
        } finally {
            release.countDown();
            Tracepoints.removeListener(slowAttacher);
        }
    }

    /** A listener may define the tracepoint it is told of: that define returns it at once. */
    @Test
    void aListenerDefiningItsOwnTracepointAgainDoesNotWaitForItself() {
        String name = "regreentrant:request";
        List<Tracepoint<?>> definedAgain = new CopyOnWriteArrayList<>();
        Consumer<Tracepoint<?>> listener = tp -> {
            if (tp.name().equals(name)) {
                definedAgain.add(Tracepoint.define(name, Request.class, "method", "status"));
            }
        };
        Tracepoints.addListener(listener);
        try {
            Tracepoint<Request> tp = await(
                    Waits.async("definer", () -> Tracepoint.define(name, Request.class, "method", "status")),
                    "a define whose listener defines the same tracepoint");
            assertThat(definedAgain).containsExactly(tp);
        } finally {
            Tracepoints.removeListener(listener);
        }
    }

    /**
     * Two threads, each telling a listener of its new tracepoint, each listener defining the
     * other's: neither waits for the other (a define from a listener never waits), so no deadlock.
     */
    @Test
    void listenersDefiningEachOthersTracepointsOnTwoThreadsDoNotDeadlock() {
        String x = "regcross:x";
        String y = "regcross:y";
        CountDownLatch bothTelling = new CountDownLatch(2);
        Consumer<Tracepoint<?>> listener = tp -> {
            String other = tp.name().equals(x) ? y : tp.name().equals(y) ? x : null;
            if (other != null) {
                bothTelling.countDown();
                Waits.await(bothTelling, "both definers to be telling their listener");
                Tracepoint.define(other, Request.class, "method", "status");
            }
        };
        Tracepoints.addListener(listener);
        try {
            CompletableFuture<Tracepoint<Request>> defineX =
                    Waits.async("definer-x", () -> Tracepoint.define(x, Request.class, "method", "status"));
            CompletableFuture<Tracepoint<Request>> defineY =
                    Waits.async("definer-y", () -> Tracepoint.define(y, Request.class, "method", "status"));
            await(defineX, "the define of " + x);
            await(defineY, "the define of " + y);
        } finally {
            Tracepoints.removeListener(listener);
        }
    }

    /** A listener is added once (by identity), as a probe is registered once: a second add is refused. */
    @Test
    void aListenerAddedTwiceIsRefusedAndToldOfEachTracepointOnce() {
        List<Tracepoint<?>> told = new CopyOnWriteArrayList<>();
        Consumer<Tracepoint<?>> listener = told::add;
        Tracepoints.addListener(listener);
        try {
            int before = told.size();
            assertThatThrownBy(() -> Tracepoints.addListener(listener))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is already a listener")
                    .hasMessageContaining("Nothing was changed");
            assertThat(told).hasSize(before);
            Tracepoint<Request> later = Tracepoint.define("regtwice:request", Request.class, "method", "status");
            assertThat(told).hasSize(before + 1).last().isSameAs(later);
        } finally {
            assertThat(Tracepoints.removeListener(listener)).isTrue();
        }
        assertThat(Tracepoints.removeListener(listener)).isFalse();
    }

    @Test
    void aThrowingListenerDoesNotBreakDefinitions() {
        Consumer<Tracepoint<?>> bad = tp -> {
            throw new IllegalStateException("listener bug");
        };
        try (LogCapture logs = new LogCapture(TestSupport.LOGGER)) {
            Tracepoints.addListener(bad);
            Tracepoint<Request> tp = Tracepoint.define("regbadlistener:request", Request.class, "method", "status");
            assertThat(Tracepoints.lookup("regbadlistener:request")).containsSame(tp);
            assertThat(logs.containing("threw on regbadlistener:request")).hasSize(1);
        } finally {
            Tracepoints.removeListener(bad);
        }
    }

    /** Concurrent definitions and listener registrations: every listener is told of every tracepoint once. */
    @Test
    void concurrentDefinitionsAndListenersMissNothing() {
        int definers = 4;
        int perDefiner = 25;
        CountDownLatch start = new CountDownLatch(1);
        List<Set<String>> seen = new ArrayList<>();
        List<Consumer<Tracepoint<?>>> listeners = new ArrayList<>();
        List<CompletableFuture<Void>> tasks = new ArrayList<>();
        List<String> duplicates = new CopyOnWriteArrayList<>();
        for (int l = 0; l < 3; l++) {
            Set<String> names = ConcurrentHashMap.newKeySet();
            seen.add(names);
            Consumer<Tracepoint<?>> listener = tp -> {
                if (!names.add(tp.name())) {
                    duplicates.add(tp.name());
                }
            };
            listeners.add(listener);
            tasks.add(async("adder-" + l, () -> {
                Waits.await(start, "start");
                Tracepoints.addListener(listener);
            }));
        }
        for (int d = 0; d < definers; d++) {
            int id = d;
            tasks.add(async("definer-" + d, () -> {
                Waits.await(start, "start");
                for (int i = 0; i < perDefiner; i++) {
                    Tracepoint.define("regconcurrent:e" + id + "_" + i, Request.class, "method", "status");
                    // and a racing definition of one shared name
                    Tracepoint.define("regconcurrent:shared" + i, Request.class, "method", "status");
                }
            }));
        }
        start.countDown();
        try {
            for (CompletableFuture<Void> task : tasks) {
                await(task, "a definer or listener");
            }
            List<String> expected = Tracepoints.find("regconcurrent:*").stream()
                    .map(Tracepoint::name)
                    .toList();
            assertThat(expected).hasSize(definers * perDefiner + perDefiner);
            for (Set<String> names : seen) {
                assertThat(names).containsAll(expected);
            }
            assertThat(duplicates).isEmpty();
        } finally {
            listeners.forEach(Tracepoints::removeListener);
        }
    }

    @Test
    void definingAgainWithTheSamePrototypeReturnsTheSameTracepoint() {
        assertThat(Tracepoint.define("glhttp:request", Request.class, "method", "status"))
                .isSameAs(HTTP_REQUEST);
        assertThat(Tracepoint.builder("glhttp:request", Request.class)
                        .arguments("method", "status")
                        .onFirstProbe(() -> {})
                        .define())
                .isSameAs(HTTP_REQUEST);
    }

    @Test
    void definingAgainWithAnotherPrototypeIsRefused() {
        assertThatThrownBy(() -> Tracepoint.define("glhttp:request", OtherRequest.class, "method", "status"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tracepoint glhttp:request is already defined as")
                .hasMessageContaining(Request.class.getName())
                .hasMessageContaining(OtherRequest.class.getName());
        assertThatThrownBy(() -> Tracepoint.define("glhttp:request", Request.class, "verb", "status"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(String verb, int status)");
        assertThatThrownBy(() -> Tracepoint.defineFaultable("glhttp:request", Request.class, "method", "status"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("faultable");
        assertThat(Tracepoints.lookup("glhttp:request")).containsSame(HTTP_REQUEST);
    }

    @Test
    void invalidNamesAreRefusedWithTheRule() {
        for (String bad : new String[] {
            null,
            "",
            "request",
            ":request",
            "http:",
            "http:request:get",
            "1http:request",
            "http:re-quest",
            "http :request",
            "ht.tp:request",
            "http:requ\u00e9st",
            "a".repeat(200) + ":" + "b".repeat(60)
        }) {
            assertThatThrownBy(() -> Tracepoint.define(bad, Request.class, "method", "status"))
                    .as(String.valueOf(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("a name is provider:event");
        }
        assertThat(Tracepoint.define("_h2:_0", Request.class, "method", "status")
                        .name())
                .isEqualTo("_h2:_0");
        assertThatThrownBy(() -> Tracepoint.define("tracepoint4j:thread", Request.class, "method", "status"))
                .as("the provider of tracepoint4j's own events in a trace")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the provider tracepoint4j is reserved")
                .hasMessageContaining("\"myapp:thread\"");
        assertThat(Tracepoint.define("tracepoint4jx:thread", Request.class, "method", "status")
                        .name())
                .isEqualTo("tracepoint4jx:thread");
    }
}
