package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The filter language: what parses, what each comparison means for each argument type, the
 * built-ins, errors that name the problem and point at it, the two ways accept() combines the bits
 * agreeing, and no allocation per firing.
 */
class FilterTest {
    private static final AtomicInteger NAMES = new AtomicInteger();

    /** An enum argument. */
    public enum Level {
        INFO,
        WARN,
        ERROR
    }

    /** Every comparable argument type. */
    public interface Request {
        void request(
                long id,
                int status,
                String route,
                boolean retried,
                Level level,
                double millis,
                char method,
                byte[] body);
    }

    private static Tracepoint<Request> request() {
        return Tracepoint.define(
                "filter" + NAMES.incrementAndGet() + ":request",
                Request.class,
                "id",
                "status",
                "route",
                "retried",
                "level",
                "millis",
                "method",
                "body");
    }

    /** The firings a filter lets through to a guarded probe that records the ids. */
    private static List<Long> passed(Tracepoint<Request> tp, String expression) {
        List<Long> ids = new ArrayList<>();
        Request guarded = (id, status, route, retried, level, millis, method, body) -> ids.add(id);
        Request probe = tp.filteredProbe(Filter.parse(expression).compile(tp, expression), guarded);
        tp.register(probe);
        try {
            Request fire = tp.fire();
            fire.request(1, 200, "/api/orders", false, Level.INFO, 1.5, 'G', null);
            fire.request(2, 404, "/api/users", true, Level.WARN, 12.0, 'P', new byte[1]);
            fire.request(3, 500, "/health", false, Level.ERROR, 250.25, 'G', null);
            fire.request(4, 503, null, true, null, -1, 'D', null);
        } finally {
            tp.unregister(probe);
        }
        return ids;
    }

    @Test
    void comparisonsOfEveryTypeSelectTheFirings() {
        Tracepoint<Request> tp = request();
        assertThat(passed(tp, "status == 200")).containsExactly(1L);
        assertThat(passed(tp, "status == 0200"))
                .as("leading zeros are decimal, not octal")
                .containsExactly(1L);
        assertThat(passed(tp, "status == 0xC8")).containsExactly(1L);
        assertThat(passed(tp, "status != 200")).containsExactly(2L, 3L, 4L);
        assertThat(passed(tp, "status >= 500")).containsExactly(3L, 4L);
        assertThat(passed(tp, "status > 500")).containsExactly(4L);
        assertThat(passed(tp, "status < 404")).containsExactly(1L);
        assertThat(passed(tp, "status <= 404")).containsExactly(1L, 2L);
        assertThat(passed(tp, "id == 0x3")).containsExactly(3L);
        assertThat(passed(tp, "id > -1")).containsExactly(1L, 2L, 3L, 4L);
        assertThat(passed(tp, "route == \"/health\"")).containsExactly(3L);
        assertThat(passed(tp, "route != \"/health\"")).as("null equals nothing").containsExactly(1L, 2L, 4L);
        assertThat(passed(tp, "route ~ \"/api/*\"")).containsExactly(1L, 2L);
        assertThat(passed(tp, "route ~ \"/api/?sers\"")).containsExactly(2L);
        assertThat(passed(tp, "route ~ \"*th\"")).as("a suffix").containsExactly(3L);
        assertThat(passed(tp, "route ~ \"/health\"")).as("no wildcard").containsExactly(3L);
        assertThat(passed(tp, "route ~ \"*\"")).as("anything but null").containsExactly(1L, 2L, 3L);
        assertThat(passed(tp, "route ~ \"/api*s\"")).as("a star inside").containsExactly(1L, 2L);
        assertThat(passed(tp, "route ~ \"*api*\"")).as("two stars").containsExactly(1L, 2L);
        assertThat(passed(tp, "route !~ \"/api/*\"")).as("null matches no glob").containsExactly(3L, 4L);
        assertThat(passed(tp, "route == null")).containsExactly(4L);
        assertThat(passed(tp, "route != null")).containsExactly(1L, 2L, 3L);
        assertThat(passed(tp, "route == \"null\"")).as("the string, not null").isEmpty();
        assertThat(passed(tp, "retried")).containsExactly(2L, 4L);
        assertThat(passed(tp, "retried == false")).containsExactly(1L, 3L);
        assertThat(passed(tp, "!retried")).containsExactly(1L, 3L);
        assertThat(passed(tp, "level == WARN")).containsExactly(2L);
        assertThat(passed(tp, "level == \"ERROR\"")).containsExactly(3L);
        assertThat(passed(tp, "level != INFO")).as("null equals nothing").containsExactly(2L, 3L, 4L);
        assertThat(passed(tp, "level == null")).containsExactly(4L);
        assertThat(passed(tp, "level != null && level != WARN")).containsExactly(1L, 3L);
        assertThat(passed(tp, "millis > 10")).containsExactly(2L, 3L);
        assertThat(passed(tp, "millis <= 1.5")).containsExactly(1L, 4L);
        assertThat(passed(tp, "millis == 250.25")).containsExactly(3L);
        assertThat(passed(tp, "method == \"G\"")).containsExactly(1L, 3L);
        assertThat(passed(tp, "method == 80")).containsExactly(2L);
    }

    /** The prototype of a tracepoint with a float argument. */
    public interface Ratio {
        void ratio(long id, float ratio);
    }

    /**
     * A float argument meets a decimal literal as a float, as Java's {@code ratio == 0.1f}: a
     * firing with 0.1f passes {@code ratio == 0.1} and {@code ratio <= 0.1}, and fails {@code
     * ratio > 0.1} (the double 0.1 is below 0.1f, and these used to say the opposite).
     */
    @Test
    void aFloatArgumentMeetsTheLiteralAsAFloat() {
        Tracepoint<Ratio> tp =
                Tracepoint.define("filter" + NAMES.incrementAndGet() + ":ratio", Ratio.class, "id", "ratio");
        java.util.function.Function<String, List<Long>> passed = expression -> {
            List<Long> ids = new ArrayList<>();
            Ratio guarded = (id, ratio) -> ids.add(id);
            Ratio probe = tp.filteredProbe(Filter.parse(expression).compile(tp, expression), guarded);
            tp.register(probe);
            try {
                tp.fire().ratio(1, 0.1f);
                tp.fire().ratio(2, 0.25f);
                tp.fire().ratio(3, Math.nextDown(0.1f));
            } finally {
                tp.unregister(probe);
            }
            return ids;
        };
        assertThat(passed.apply("ratio == 0.1")).containsExactly(1L);
        assertThat(passed.apply("ratio <= 0.1")).containsExactly(1L, 3L);
        assertThat(passed.apply("ratio > 0.1")).containsExactly(2L);
        assertThat(passed.apply("ratio < 0.1")).containsExactly(3L);
        assertThat(passed.apply("ratio == 0.25")).containsExactly(2L);
        assertThat(passed.apply("ratio < 2.5e-1")).as("a negative exponent").containsExactly(1L, 3L);
        assertThat(passed.apply("ratio > -1E+2")).as("a signed exponent").containsExactly(1L, 2L, 3L);
        assertThatThrownBy(() -> passed.apply("ratio == 1e40"))
                .as("beyond a float's range it would compare as an infinity")
                .isInstanceOf(FilterException.class)
                .hasMessageContaining("1e40 is out of the range of ratio, a float");
        assertThat(passed.apply("ratio < 3.4028235E38"))
                .as("Float.MAX_VALUE as Java prints it, the message's bound, is in range")
                .containsExactly(1L, 2L, 3L);
        assertThatThrownBy(() -> passed.apply("ratio == 1e400"))
                .isInstanceOf(FilterException.class)
                .hasMessageContaining("1e400 is out of the range of ratio, a float");
        assertThatThrownBy(() -> passed.apply("ratio == NaN"))
                .as("the argument's own type named")
                .isInstanceOf(FilterException.class)
                .hasMessageContaining("ratio is float: compare it with a number, not NaN");
    }

    /**
     * Decimals as Java compares them: NaN fails every ordered comparison, <= and >= too (they were
     * compiled as the negations of > and <, which NaN passed), and != holds for it.
     */
    @Test
    void nanFailsEveryOrderedComparisonOfADecimal() {
        Tracepoint<Request> tp = request();
        double[] millis = {1.0, Double.NaN, Double.POSITIVE_INFINITY, -0.0};
        java.util.function.Function<String, List<Long>> passed = expression -> {
            List<Long> ids = new ArrayList<>();
            Request guarded = (id, status, route, retried, level, ms, method, body) -> ids.add(id);
            Request probe = tp.filteredProbe(Filter.parse(expression).compile(tp, expression), guarded);
            tp.register(probe);
            try {
                for (int i = 0; i < millis.length; i++) {
                    tp.fire().request(i + 1, 200, "/", false, Level.INFO, millis[i], 'G', null);
                }
            } finally {
                tp.unregister(probe);
            }
            return ids;
        };
        assertThat(passed.apply("millis >= 0")).containsExactly(1L, 3L, 4L);
        assertThat(passed.apply("millis <= 0")).containsExactly(4L);
        assertThat(passed.apply("millis > 0")).containsExactly(1L, 3L);
        assertThat(passed.apply("millis < 1")).containsExactly(4L);
        assertThat(passed.apply("millis >= 1e300")).containsExactly(3L);
        assertThat(passed.apply("millis < 1e-300")).as("a negative exponent").containsExactly(4L);
        assertThat(passed.apply("millis > 0x1e")).as("in hex, e is a digit").containsExactly(3L);
        assertThatThrownBy(() -> passed.apply("millis == 1e400"))
                .isInstanceOf(FilterException.class)
                .hasMessageContaining("1e400 is out of the range of millis, a double");
        assertThat(passed.apply("millis == 1")).containsExactly(1L);
        assertThat(passed.apply("millis != 1")).containsExactly(2L, 3L, 4L);
        assertThat(passed.apply("!(millis >= 0)"))
                .as("the negation of the whole")
                .containsExactly(2L);
    }

    @Test
    void andOrNotAndParenthesesCombineThem() {
        Tracepoint<Request> tp = request();
        assertThat(passed(tp, "status >= 500 && route ~ \"/h*\"")).containsExactly(3L);
        assertThat(passed(tp, "status == 200 || status == 503")).containsExactly(1L, 4L);
        assertThat(passed(tp, "status == 200 || status == 404 && retried"))
                .as("&& binds tighter")
                .containsExactly(1L, 2L);
        assertThat(passed(tp, "(status == 200 || status == 404) && !retried")).containsExactly(1L);
        assertThat(passed(tp, "!(level == INFO || level == WARN)")).containsExactly(3L, 4L);
        assertThat(passed(tp, "!!retried")).containsExactly(2L, 4L);
    }

    /**
     * Up to 6 comparisons accept() looks up a truth table of the bits; beyond, it walks the
     * expression: the same filter padded with comparisons that change nothing gives the same firings.
     */
    @Test
    void theTruthTableAndTheWalkAgree() {
        Tracepoint<Request> tp = request();
        String[] filters = {
            "status >= 500 && route ~ \"/h*\"",
            "(status == 200 || status == 404) && !retried",
            "!(level == INFO || level == WARN) || millis > 100",
            "retried && (method == \"P\" || method == \"D\") && status != 404",
        };
        String padding = " || (id == -1 && id == -2 && id == -3 && id == -4 && id == -5 && id == -6 && id == -7)";
        for (String filter : filters) {
            assertThat(passed(tp, "(" + filter + ")" + padding)).as(filter).isEqualTo(passed(tp, filter));
        }
    }

    @Test
    void theBuiltInsAreTheFiringThreadsNameAndId() throws Exception {
        Tracepoint<Request> tp = request();
        List<Long> ids = new ArrayList<>();
        String[] filters = {
            "$thread ~ \"worker-*\"", "$tid == " + Thread.currentThread().threadId()
        };
        for (String filter : filters) {
            ids.clear();
            Request guarded = (id, status, route, retried, level, millis, method, body) -> ids.add(id);
            Request probe = tp.filteredProbe(Filter.parse(filter).compile(tp, filter), guarded);
            tp.register(probe);
            Thread worker = new Thread(() -> tp.fire().request(7, 0, "", false, null, 0, 'x', null), "worker-1");
            worker.start();
            worker.join();
            tp.fire().request(8, 0, "", false, null, 0, 'x', null); // on this thread, not a worker
            tp.unregister(probe);
            assertThat(ids).as(filter).containsExactly(filter.startsWith("$thread") ? 7L : 8L);
        }
    }

    @Test
    void syntaxErrorsNameTheProblemAndPointAtIt() {
        assertError("status = 200", 7, "unexpected character '=' (equality is ==)");
        assertError("status == 200 & retried", 14, "unexpected character '&' (and, or are && and ||)");
        assertError("route == '/a'", 9, "unexpected character ''' (strings and characters are in double quotes)");
        assertError("status ==", 9, "expected a number, a string or a name after ==, found the end");
        assertError("(status == 200", 14, "expected ) to close the ( at position 0");
        assertError("route == \"/api", 9, "this string has no closing \"");
        assertError("status == 200 retried", 14, "expected && or || before 'retried'");
        assertError("   ", 0, "the filter is empty");
        assertError("&& retried", 0, "expected an argument's name, !, or (, found '&&'");
        assertError("route == \"a\\nb\"", 11, "unknown escape \\n");
        FilterException e = catchError("status = 200");
        assertThat(e.getMessage()).endsWith("\n  status = 200\n         ^");
    }

    /**
     * Nesting deeper than the parser follows is a syntax error, not a StackOverflowError (which
     * killed the control socket's connection thread in the target, with a stack trace on its
     * console): 64 levels parse, the 65th is refused where it opens, however deep the text goes.
     */
    @Test
    void nestingIsBounded() {
        String deepest = "(".repeat(32) + "!".repeat(32) + "retried" + ")".repeat(32);
        assertThat(Filter.parse(deepest).expression()).isEqualTo(deepest);
        assertError("(".repeat(65) + "retried" + ")".repeat(65), 64, "nested deeper than 64 ( and !");
        assertError("!".repeat(100_000) + "retried", 64, "nested deeper than 64 ( and !");
        assertError("(".repeat(100_000), 64, "nested deeper than 64 ( and !");
    }

    @Test
    void namesAndTypesAreCheckedAgainstTheTracepoint() {
        Tracepoint<Request> tp = request();
        assertCompileError(
                tp,
                "stauts == 200",
                0,
                "unknown argument stauts: tracepoint " + tp.name()
                        + " has [id, status, route, retried, level, millis, method, body]");
        assertCompileError(tp, "retried && route < \"b\"", 17, "route is String: compare it with ==, !=, ~ or !~");
        assertCompileError(tp, "status == \"200\"", 10, "status is int: compare it with an integer, not 200");
        assertCompileError(tp, "route == 200", 9, "route is String: compare it with a string in double quotes");
        assertCompileError(
                tp,
                "level == FATAL",
                9,
                "FATAL is not a constant of Level (the type of level): one of" + " [INFO, WARN, ERROR]");
        assertCompileError(tp, "level >= WARN", 6, "level is Level: compare it with == or !=");
        assertCompileError(tp, "body == 1", 0, "byte[] arguments cannot be compared");
        assertCompileError(tp, "status ~ \"2*\"", 7, "~ and !~ match a glob against a String; status is int");
        assertCompileError(tp, "id == 99999999999999999999", 6, "99999999999999999999 is beyond the range of long");
        assertCompileError(tp, "id > 1K", 5, "1K is not an integer");
        assertCompileError(tp, "id > 09x", 5, "09x is not an integer");
        assertCompileError(
                tp,
                "status > 2147483648",
                9,
                "status is int: 2147483648 is beyond its range, -2147483648 to 2147483647");
        assertCompileError(tp, "status", 0, "status is int, not boolean: give it a comparison, such as status == 1");
        StringBuilder many = new StringBuilder("id == 0");
        for (int i = 1; i <= Filter.MAX_COMPARISONS; i++) {
            many.append(" || id == ").append(i);
        }
        assertThatThrownBy(() -> Filter.parse(many.toString()).compile(tp, "many"))
                .isInstanceOf(FilterException.class)
                .hasMessageContaining("more than 63 comparisons");
    }

    static final Tracepoint<Request> ALLOCATION = request();

    @Test
    void aCompiledFilterAllocatesNothingPerFiring() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        threads.setThreadAllocatedMemoryEnabled(true);
        String filter = "(status >= 500 || route ~ \"/api/*\") && !retried && level != ERROR && $thread ~ \"*\"";
        long[] passed = {0};
        Request guarded = (id, status, route, retried, level, millis, method, body) -> passed[0]++;
        Request probe = ALLOCATION.filteredProbe(Filter.parse(filter).compile(ALLOCATION, filter), guarded);
        ALLOCATION.register(probe);
        try {
            long best = Long.MAX_VALUE;
            for (int round = 0; round < 30 && best >= 1024; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 10_000; i++) {
                    ALLOCATION.fire().request(i, 500 + (i & 1), "/api/x", false, Level.WARN, 1.0, 'G', null);
                }
                best = Math.min(best, threads.getCurrentThreadAllocatedBytes() - before);
            }
            assertThat(best).as("bytes allocated by 10,000 filtered firings").isLessThan(1024);
            assertThat(passed[0]).isPositive();
        } finally {
            ALLOCATION.unregister(probe);
        }
    }

    private static FilterException catchError(String expression) {
        try {
            Filter.parse(expression);
        } catch (FilterException e) {
            return e;
        }
        throw new AssertionError("no error for " + expression);
    }

    private static void assertError(String expression, int position, String reason) {
        FilterException e = catchError(expression);
        assertThat(e.reason()).as(expression).startsWith(reason);
        assertThat(e.position()).as("position in %s", expression).isEqualTo(position);
        assertThat(e.expression()).isEqualTo(expression);
    }

    private static void assertCompileError(Tracepoint<?> tp, String expression, int position, String reason) {
        Filter filter = Filter.parse(expression);
        assertThatThrownBy(() -> filter.compile(tp, expression))
                .as(expression)
                .isInstanceOfSatisfying(FilterException.class, e -> {
                    assertThat(e.reason()).contains(reason);
                    assertThat(e.position()).isEqualTo(position);
                });
    }
}
