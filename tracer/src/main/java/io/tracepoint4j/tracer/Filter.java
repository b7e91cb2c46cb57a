package io.tracepoint4j.tracer;

import io.tracepoint4j.ArgumentFilter;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.Tracepoints;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A filter expression over a tracepoint's arguments, evaluated in the probe before anything is
 * written: the BPF-style programs of the kernel's tracers, as a small language.
 *
 * <pre>{@code
 * status >= 500 && route ~ "/api/*"
 * !(method == "GET" || method == "HEAD") && $thread ~ "worker-*"
 * level == WARN || retried
 * }</pre>
 *
 * <ul>
 *   <li>A comparison is an argument's name (or a built-in: {@code $thread}, the firing thread's
 *       name; {@code $tid}, its id), an operator and a literal: {@code == != < <= > >=} with a
 *       number for integer, {@code char} and floating-point arguments (a {@code char} also with a
 *       one-character string); {@code == !=} with a string for {@code String} arguments, and {@code
 *       ~ !~} with a glob ({@code *} any characters, {@code ?} one, as in {@link Tracepoints#find});
 *       {@code == !=} with a constant's name for enum arguments, and with {@code true} or {@code
 *       false} for {@code boolean} ones. A {@code boolean} argument alone means {@code == true}. A
 *       {@code String} or enum argument also compares with {@code null} ({@code == null}, {@code !=
 *       null}); a null one equals no string or constant and matches no glob. {@code byte[]}
 *       arguments cannot be compared.
 *   <li>Comparisons combine with {@code &&}, {@code ||} (lower precedence), {@code !} and
 *       parentheses. Strings are in double quotes, with {@code \"} and {@code \\} inside.
 * </ul>
 *
 * <p>{@link #parse} checks the syntax; {@link #compile} checks names and types against a
 * tracepoint's arguments and gives the {@link ArgumentFilter} of a {@link
 * Tracepoint#filteredProbe filtered probe}. Both throw a {@link FilterException} that names what is
 * wrong and points at it. A compiled filter allocates nothing per firing: each comparison is a bit
 * of the filter's state, set as its argument passes, and {@code accept} combines the bits (a truth
 * table of the bits for up to 6 comparisons, else a walk of the expression over them); at most 63
 * comparisons.
 */
public final class Filter {
    /** The built-in name of the firing thread's name. */
    public static final String THREAD_NAME = "$thread";
    /** The built-in name of the firing thread's id. */
    public static final String THREAD_ID = "$tid";
    /** The most comparisons a filter may hold: one bit of a long each. */
    public static final int MAX_COMPARISONS = 63;

    private final String expression;
    private final Node root;

    private final List<Comparison> comparisons = new ArrayList<>();

    /** Numbers the comparisons (their bits), once: the tree is read-only afterwards. */
    private Filter(String expression, Node root) {
        this.expression = expression;
        this.root = root;
        root.collect(comparisons);
        for (int bit = 0; bit < comparisons.size(); bit++) {
            comparisons.get(bit).bit = bit;
        }
    }

    /**
     * Parses {@code expression}.
     *
     * @throws FilterException if it is not a filter, pointing at the first place that is wrong
     * @throws IllegalArgumentException if {@code expression} is null
     */
    public static Filter parse(String expression) {
        if (expression == null) {
            throw new IllegalArgumentException("the filter is null; pass an expression such as status == 200");
        }
        return new Filter(expression, new Parser(expression).parseAll());
    }

    /** The expression as given. */
    public String expression() {
        return expression;
    }

    /**
     * A filter that accepts what this one or {@code other} accepts: {@code THIS || (OTHER)}, || the
     * loosest operator, so that filters joined one after another stay one flat chain (no deeper
     * than their own nesting) however many they are.
     */
    public Filter or(Filter other) {
        return parse(expression + " || (" + other.expression + ")");
    }

    /**
     * This filter for {@code tracepoint}: the {@link ArgumentFilter} of a {@link
     * Tracepoint#filteredProbe filtered probe} of it, whose {@code toString()} is {@code
     * description}.
     *
     * @throws FilterException if it names an argument the tracepoint lacks, compares one with a
     *     literal of the wrong type, or holds more than {@value #MAX_COMPARISONS} comparisons
     */
    public ArgumentFilter compile(Tracepoint<?> tracepoint, String description) {
        List<Tracepoint.Argument> arguments = tracepoint.arguments();
        if (comparisons.size() > MAX_COMPARISONS) {
            throw new FilterException(
                    expression,
                    comparisons.get(MAX_COMPARISONS).fieldAt,
                    "more than " + MAX_COMPARISONS + " comparisons; split the filter");
        }
        Compiled compiled = new Compiled(arguments.size(), comparisons.size(), description);
        for (Comparison comparison : comparisons) {
            comparison.compileInto(compiled, tracepoint.name(), arguments, expression);
        }
        if (comparisons.size() <= 6) {
            long table = 0;
            for (int state = 0; state < 1 << comparisons.size(); state++) {
                if (root.holds(state)) {
                    table |= 1L << state;
                }
            }
            compiled.truthTable = table;
        } else {
            compiled.root = root;
        }
        return compiled;
    }

    @Override
    public String toString() {
        return expression;
    }

    // ---- the compiled form ----

    /** Comparison kinds, after the operator and the argument's type are resolved. */
    private static final int INTEGER_EQ = 0;

    private static final int INTEGER_LT = 1;
    private static final int INTEGER_GT = 2;
    private static final int DECIMAL_EQ = 3;
    private static final int DECIMAL_LT = 4;
    private static final int DECIMAL_GT = 5;
    private static final int STRING_EQ = 6;
    private static final int STRING_GLOB = 7;
    /** Globs of one kind, matched without the general matcher: "text*" and "*text". */
    private static final int STRING_PREFIX = 9;

    private static final int STRING_SUFFIX = 10;
    private static final int ORDINAL_EQ = 8;
    /**
     * The bits of a decimal's {@code >=} and {@code <=}, which hold when the bit is clear: !(value
     * >= literal) and !(value <= literal), not value < literal and value > literal, which differ
     * for NaN (every ordered comparison with NaN is false).
     */
    private static final int DECIMAL_NOT_GE = 11;

    private static final int DECIMAL_NOT_LE = 12;

    /** A String argument's {@code == null}. (An enum's is ORDINAL_EQ with -1, a null's ordinal here.) */
    private static final int STRING_NULL = 13;

    /** The ordinal a null enum argument is compared as, which no constant has. */
    private static final int NULL_ORDINAL = -1;

    /**
     * A filter compiled for one tracepoint. Its tables are written before compile() returns and
     * only read after: it reaches the firing threads inside the filtered probe, published by the
     * probe's registration as any probe's fields are.
     */
    private static final class Compiled implements ArgumentFilter {
        /** Per argument index, the bits of its comparisons. */
        final int[][] bitsOf;
        /** Per bit: kind, and the literal as a long (integers, ordinals), double, or String. */
        final int[] kinds;

        final long[] integers;
        final double[] decimals;
        final String[] strings;
        /** Bits of the comparisons of $thread and $tid, made in begin(). */
        int[] threadNameBits = new int[0];

        int[] threadIdBits = new int[0];
        long truthTable;
        /** Set when there are more than 6 comparisons: accept() walks it. */
        Node root;

        private final String description;

        Compiled(int argumentCount, int comparisonCount, String description) {
            this.bitsOf = new int[argumentCount][];
            Arrays.fill(bitsOf, new int[0]);
            this.kinds = new int[comparisonCount];
            this.integers = new long[comparisonCount];
            this.decimals = new double[comparisonCount];
            this.strings = new String[comparisonCount];
            this.description = description;
        }

        void add(int argument, int bit) {
            if (argument == BUILTIN_THREAD_NAME) {
                threadNameBits = append(threadNameBits, bit);
            } else if (argument == BUILTIN_THREAD_ID) {
                threadIdBits = append(threadIdBits, bit);
            } else {
                bitsOf[argument] = append(bitsOf[argument], bit);
            }
        }

        private static int[] append(int[] bits, int bit) {
            int[] more = Arrays.copyOf(bits, bits.length + 1);
            more[bits.length] = bit;
            return more;
        }

        @Override
        public long begin() {
            long state = 0;
            if (threadNameBits.length + threadIdBits.length > 0) {
                Thread thread = Thread.currentThread();
                for (int bit : threadNameBits) {
                    state |= stringBit(bit, thread.getName());
                }
                for (int bit : threadIdBits) {
                    state |= integerBit(bit, thread.threadId());
                }
            }
            return state;
        }

        @Override
        public long testBoolean(long state, int argument, boolean value) {
            return testInteger(state, argument, value ? 1 : 0);
        }

        @Override
        public long testByte(long state, int argument, byte value) {
            return testInteger(state, argument, value);
        }

        @Override
        public long testShort(long state, int argument, short value) {
            return testInteger(state, argument, value);
        }

        @Override
        public long testChar(long state, int argument, char value) {
            return testInteger(state, argument, value);
        }

        @Override
        public long testInt(long state, int argument, int value) {
            return testInteger(state, argument, value);
        }

        @Override
        public long testLong(long state, int argument, long value) {
            return testInteger(state, argument, value);
        }

        @Override
        public long testFloat(long state, int argument, float value) {
            return testDecimal(state, argument, value);
        }

        @Override
        public long testDouble(long state, int argument, double value) {
            return testDecimal(state, argument, value);
        }

        @Override
        public long testString(long state, int argument, String value) {
            long result = state;
            for (int bit : bitsOf[argument]) {
                result |= stringBit(bit, value);
            }
            return result;
        }

        @Override
        public long testEnum(long state, int argument, Enum<?> value) {
            return testInteger(state, argument, value == null ? NULL_ORDINAL : value.ordinal());
        }

        private long testInteger(long state, int argument, long value) {
            long result = state;
            for (int bit : bitsOf[argument]) {
                result |= integerBit(bit, value);
            }
            return result;
        }

        private long testDecimal(long state, int argument, double value) {
            long result = state;
            for (int bit : bitsOf[argument]) {
                double literal = decimals[bit];
                boolean holds = switch (kinds[bit]) {
                    case DECIMAL_EQ -> value == literal;
                    case DECIMAL_LT -> value < literal;
                    case DECIMAL_NOT_GE -> !(value >= literal);
                    case DECIMAL_NOT_LE -> !(value <= literal);
                    default -> value > literal;
                };
                result |= holds ? 1L << bit : 0;
            }
            return result;
        }

        private long integerBit(int bit, long value) {
            long literal = integers[bit];
            boolean holds = switch (kinds[bit]) {
                case INTEGER_EQ, ORDINAL_EQ -> value == literal;
                case INTEGER_LT -> value < literal;
                default -> value > literal;
            };
            return holds ? 1L << bit : 0;
        }

        private long stringBit(int bit, String value) {
            if (value == null) {
                return kinds[bit] == STRING_NULL ? 1L << bit : 0;
            }
            String literal = strings[bit];
            boolean holds = switch (kinds[bit]) {
                case STRING_EQ -> value.equals(literal);
                case STRING_NULL -> false;
                case STRING_PREFIX -> value.startsWith(literal);
                case STRING_SUFFIX -> value.endsWith(literal);
                default -> Tracepoints.matches(literal, value);
            };
            return holds ? 1L << bit : 0;
        }

        @Override
        public boolean accept(long state) {
            Node walk = root;
            return walk == null ? ((truthTable >>> state) & 1) != 0 : walk.holds(state);
        }

        @Override
        public String toString() {
            return description;
        }
    }

    // ---- the expression ----

    private static final int BUILTIN_THREAD_NAME = -1;
    private static final int BUILTIN_THREAD_ID = -2;

    /** An expression node: holds for a state (the comparisons' bits, in collect() order). */
    private abstract static class Node {
        abstract boolean holds(long state);

        abstract void collect(List<Comparison> comparisons);
    }

    private static final class Or extends Node {
        final Node left;
        final Node right;

        Or(Node left, Node right) {
            this.left = left;
            this.right = right;
        }

        @Override
        boolean holds(long state) {
            return left.holds(state) || right.holds(state);
        }

        @Override
        void collect(List<Comparison> comparisons) {
            left.collect(comparisons);
            right.collect(comparisons);
        }
    }

    private static final class And extends Node {
        final Node left;
        final Node right;

        And(Node left, Node right) {
            this.left = left;
            this.right = right;
        }

        @Override
        boolean holds(long state) {
            return left.holds(state) && right.holds(state);
        }

        @Override
        void collect(List<Comparison> comparisons) {
            left.collect(comparisons);
            right.collect(comparisons);
        }
    }

    private static final class Not extends Node {
        final Node inner;

        Not(Node inner) {
            this.inner = inner;
        }

        @Override
        boolean holds(long state) {
            return !inner.holds(state);
        }

        @Override
        void collect(List<Comparison> comparisons) {
            inner.collect(comparisons);
        }
    }

    /**
     * {@code field op literal}. Its bit is its place in a walk of the tree (collect()), set when
     * compiled; {@code !=}, {@code >=}, {@code <=} and {@code !~} hold when the bit of {@code ==},
     * {@code <}, {@code >} or {@code ~} is clear, so the compiled kinds are few.
     */
    private static final class Comparison extends Node {
        final String field;
        final int fieldAt;
        final String operator;
        /** Where the operator is: an error about the operator's use points there. */
        final int operatorAt;

        final Token literal;
        /** Whether the comparison holds when its bit is clear (!=, >=, <=, !~). */
        final boolean negated;
        /** Set once by Filter's constructor. */
        int bit = -1;

        Comparison(String field, int fieldAt, String operator, int operatorAt, Token literal) {
            this.field = field;
            this.fieldAt = fieldAt;
            this.operator = operator;
            this.operatorAt = operatorAt;
            this.literal = literal;
            this.negated =
                    operator.equals("!=") || operator.equals(">=") || operator.equals("<=") || operator.equals("!~");
        }

        @Override
        boolean holds(long state) {
            return (((state >>> bit) & 1) != 0) != negated;
        }

        @Override
        void collect(List<Comparison> comparisons) {
            comparisons.add(this);
        }

        void compileInto(Compiled compiled, String tracepoint, List<Tracepoint.Argument> arguments, String expression) {
            int argument;
            Class<?> type;
            if (field.equals(THREAD_NAME)) {
                argument = BUILTIN_THREAD_NAME;
                type = String.class;
            } else if (field.equals(THREAD_ID)) {
                argument = BUILTIN_THREAD_ID;
                type = long.class;
            } else {
                argument = indexOf(arguments, field);
                if (argument < 0) {
                    throw new FilterException(
                            expression,
                            fieldAt,
                            "unknown argument " + field + ": tracepoint " + tracepoint + " has " + names(arguments)
                                    + ", and there are the built-ins " + THREAD_NAME + " and " + THREAD_ID);
                }
                type = arguments.get(argument).type();
            }
            if (literal.at == fieldAt && type != boolean.class) { // the field alone: see Parser.unary()
                throw mismatch(
                        expression,
                        field + " is " + type.getSimpleName() + ", not boolean: give it a" + " comparison, such as "
                                + field + (type == String.class ? " == \"text\"" : " == 1"));
            }
            compiled.kinds[bit] = kind(type, expression);
            compiled.add(argument, bit);
            switch (compiled.kinds[bit]) {
                case INTEGER_EQ, INTEGER_LT, INTEGER_GT -> compiled.integers[bit] = integerLiteral(type, expression);
                case DECIMAL_EQ, DECIMAL_LT, DECIMAL_GT, DECIMAL_NOT_GE, DECIMAL_NOT_LE -> {
                    double decimal = decimalLiteral(type, expression);
                    // a float argument meets the literal as a float, as Java's ratio == 0.1f: 0.1f
                    // is not the double 0.1, and ratio == 0.1 would never hold
                    compiled.decimals[bit] = type == float.class ? (float) decimal : decimal;
                }
                case STRING_EQ -> compiled.strings[bit] = literal.text;
                case STRING_NULL -> {} // the kind says it all
                case STRING_GLOB -> compileGlob(compiled, bit, literal.text);
                default -> compiled.integers[bit] = ordinalLiteral(type, expression);
            }
        }

        /**
         * A glob with no {@code ?} and one {@code *}, at its end or its start, is a prefix or a
         * suffix test (String.startsWith, endsWith: several times faster than the general matcher on
         * a short string, RecordEventBench filteredOut); with no wildcard, an equality.
         */
        private static void compileGlob(Compiled compiled, int bit, String glob) {
            int star = glob.indexOf('*');
            boolean simple = glob.indexOf('?') < 0 && (star < 0 || star == glob.lastIndexOf('*'));
            if (simple && star < 0) {
                compiled.kinds[bit] = STRING_EQ;
                compiled.strings[bit] = glob;
            } else if (simple && star == glob.length() - 1) {
                compiled.kinds[bit] = STRING_PREFIX;
                compiled.strings[bit] = glob.substring(0, star);
            } else if (simple && star == 0) {
                compiled.kinds[bit] = STRING_SUFFIX;
                compiled.strings[bit] = glob.substring(1);
            } else {
                compiled.strings[bit] = glob;
            }
        }

        private int kind(Class<?> type, String expression) {
            boolean order =
                    operator.equals("<") || operator.equals("<=") || operator.equals(">") || operator.equals(">=");
            boolean glob = operator.equals("~") || operator.equals("!~");
            if (type == byte[].class) {
                throw mismatch(expression, "byte[] arguments cannot be compared");
            }
            if (type == String.class) {
                if (order) {
                    throw misused(expression, field + " is String: compare it with ==, !=, ~ or !~");
                }
                if (literal.kind == TokenKind.IDENTIFIER && literal.text.equals("null") && !glob) {
                    return STRING_NULL;
                }
                if (literal.kind != TokenKind.STRING) {
                    throw literalMismatch(expression, "a string in double quotes, or null", type);
                }
                return glob ? STRING_GLOB : STRING_EQ;
            }
            if (glob) {
                throw misused(
                        expression, "~ and !~ match a glob against a String; " + field + " is " + type.getSimpleName());
            }
            if (type.isEnum() || type == boolean.class) {
                if (order) {
                    throw misused(expression, field + " is " + type.getSimpleName() + ": compare it with == or !=");
                }
                return type.isEnum() ? ORDINAL_EQ : INTEGER_EQ;
            }
            // a number: <= and >= hold when the bit is clear (negated); for an integer that bit is >
            // and <, for a decimal !(<=) and !(>=), which NaN sets
            boolean decimal = type == float.class || type == double.class;
            return switch (operator) {
                case "<" -> decimal ? DECIMAL_LT : INTEGER_LT;
                case ">=" -> decimal ? DECIMAL_NOT_GE : INTEGER_LT;
                case ">" -> decimal ? DECIMAL_GT : INTEGER_GT;
                case "<=" -> decimal ? DECIMAL_NOT_LE : INTEGER_GT;
                default -> decimal ? DECIMAL_EQ : INTEGER_EQ;
            };
        }

        private long integerLiteral(Class<?> type, String expression) {
            if (type == boolean.class) {
                if (literal.kind == TokenKind.IDENTIFIER
                        && (literal.text.equals("true") || literal.text.equals("false"))) {
                    return literal.text.equals("true") ? 1 : 0;
                }
                throw literalMismatch(expression, "true or false", type);
            }
            if (type == char.class && literal.kind == TokenKind.STRING && literal.text.length() == 1) {
                return literal.text.charAt(0);
            }
            if (literal.kind != TokenKind.NUMBER) {
                throw literalMismatch(
                        expression, type == char.class ? "a number or a one-character string" : "an integer", type);
            }
            if (!isInteger(literal.text)) {
                throw new FilterException(expression, literal.at, literal.text + " is not an integer");
            }
            long value;
            try {
                value = parseInteger(literal.text);
            } catch (NumberFormatException e) { // digits beyond a long
                throw new FilterException(expression, literal.at, literal.text + " is beyond the range of long");
            }
            int bits = bitsOf(type);
            // char is unsigned; for a long, -(1L << 63) and (1L << 63) - 1 overflow to its MIN and MAX
            long min = type == char.class ? 0 : -(1L << (bits - 1));
            long max = type == char.class ? (1L << bits) - 1 : (1L << (bits - 1)) - 1;
            if (value < min || value > max) { // the comparison would be decided before any firing
                throw new FilterException(
                        expression,
                        literal.at,
                        field + " is " + type.getSimpleName() + ": " + literal.text + " is beyond its range, " + min
                                + " to " + max);
            }
            return value;
        }

        /**
         * Whether {@code text} is an integer literal: decimal digits (leading zeros are decimal
         * too, not octal) or 0x and hex digits, after an optional minus.
         */
        private static boolean isInteger(String text) {
            int at = text.startsWith("-") ? 1 : 0;
            int radix = text.startsWith("0x", at) || text.startsWith("0X", at) ? 16 : 10;
            at += radix == 16 ? 2 : 0;
            if (at == text.length()) {
                return false;
            }
            for (int i = at; i < text.length(); i++) {
                if (Character.digit(text.charAt(i), radix) < 0) {
                    return false;
                }
            }
            return true;
        }

        /** The value of an integer literal ({@link #isInteger}); NumberFormatException beyond a long. */
        private static long parseInteger(String text) {
            boolean negative = text.startsWith("-");
            String digits = negative ? text.substring(1) : text;
            boolean hex = digits.startsWith("0x") || digits.startsWith("0X");
            return Long.parseLong((negative ? "-" : "") + (hex ? digits.substring(2) : digits), hex ? 16 : 10);
        }

        /** The bits of integer type {@code type}. */
        private static int bitsOf(Class<?> type) {
            if (type == byte.class) {
                return Byte.SIZE;
            }
            if (type == short.class || type == char.class) {
                return Short.SIZE;
            }
            return type == int.class ? Integer.SIZE : Long.SIZE;
        }

        /** The literal compared with a {@code type} (float or double) argument, in that type's range. */
        private double decimalLiteral(Class<?> type, String expression) {
            if (literal.kind != TokenKind.NUMBER) {
                throw literalMismatch(expression, "a number", type);
            }
            double value;
            try {
                value = isInteger(literal.text) ? parseInteger(literal.text) : Double.parseDouble(literal.text);
            } catch (NumberFormatException e) {
                throw new FilterException(expression, literal.at, literal.text + " is not a number");
            }
            // beyond the type's range it would compare as an infinity (a float: once rounded to one,
            // so that Float.MAX_VALUE's own digits, a double a little above it, still pass)
            if (Double.isInfinite(value) || (type == float.class && Float.isInfinite((float) value))) {
                throw new FilterException(
                        expression,
                        literal.at,
                        literal.text + " is out of the range of " + field + ", a " + type.getSimpleName() + " (at most "
                                + (type == float.class ? Float.MAX_VALUE : Double.MAX_VALUE) + " either way)");
            }
            return value;
        }

        private long ordinalLiteral(Class<?> type, String expression) {
            if (literal.kind == TokenKind.IDENTIFIER && literal.text.equals("null")) {
                return NULL_ORDINAL; // no constant is named null: it is a keyword
            }
            if (literal.kind == TokenKind.IDENTIFIER || literal.kind == TokenKind.STRING) {
                for (Object constant : type.getEnumConstants()) {
                    Enum<?> e = (Enum<?>) constant;
                    if (e.name().equals(literal.text)) {
                        return e.ordinal();
                    }
                }
            }
            List<String> names = new ArrayList<>();
            for (Object constant : type.getEnumConstants()) {
                names.add(((Enum<?>) constant).name());
            }
            throw new FilterException(
                    expression,
                    literal.at,
                    literal.text + " is not a constant of " + type.getSimpleName() + " (the type of " + field
                            + "): one of " + names);
        }

        private FilterException mismatch(String expression, String why) {
            return new FilterException(expression, fieldAt, why);
        }

        /** The operator does not apply to the field's type: the caret goes under the operator. */
        private FilterException misused(String expression, String why) {
            return new FilterException(expression, operatorAt, why);
        }

        private FilterException literalMismatch(String expression, String expected, Class<?> type) {
            return new FilterException(
                    expression,
                    literal.at,
                    field + " is " + type.getSimpleName() + ": compare it with " + expected + ", not " + literal.text);
        }

        private static int indexOf(List<Tracepoint.Argument> arguments, String name) {
            for (int i = 0; i < arguments.size(); i++) {
                if (arguments.get(i).name().equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        private static List<String> names(List<Tracepoint.Argument> arguments) {
            List<String> names = new ArrayList<>();
            for (Tracepoint.Argument argument : arguments) {
                names.add(argument.name());
            }
            return names;
        }
    }

    // ---- the syntax ----

    private enum TokenKind {
        IDENTIFIER,
        NUMBER,
        STRING,
        OPERATOR,
        END
    }

    private static final class Token {
        final TokenKind kind;
        /** The name, the number's digits, the string's characters (unescaped), or the operator. */
        final String text;

        final int at;

        Token(TokenKind kind, String text, int at) {
            this.kind = kind;
            this.text = text;
            this.at = at;
        }

        boolean is(String operator) {
            return kind == TokenKind.OPERATOR && text.equals(operator);
        }

        String shown() {
            return switch (kind) {
                case END -> "the end";
                case STRING -> "\"" + text + "\"";
                default -> "'" + text + "'";
            };
        }
    }

    /** A recursive-descent parser: or := and ('||' and)*; and := unary ('&&' unary)*; unary := '!' unary | '(' or ')' | comparison. */
    private static final class Parser {
        private static final String[] OPERATORS = {
            "==", "!=", "<=", ">=", "!~", "&&", "||", "<", ">", "~", "!", "(", ")"
        };
        private static final String[] COMPARISONS = {"==", "!=", "<=", ">=", "<", ">", "~", "!~"};

        /** The deepest nesting of ( and ! the parser follows: its recursion stays far from the stack's end. */
        static final int MAX_NESTING = 64;

        private final String text;
        private int position;
        private Token next;
        /** The ( and ! the parser is inside now. */
        private int nesting;

        Parser(String text) {
            this.text = text;
            this.next = read();
        }

        Node parseAll() {
            if (next.kind == TokenKind.END) {
                throw new FilterException(text, 0, "the filter is empty; write a comparison such as status == 200");
            }
            Node node = or();
            if (next.kind != TokenKind.END) {
                throw new FilterException(text, next.at, "expected && or || before " + next.shown());
            }
            return node;
        }

        private Node or() {
            Node node = and();
            while (next.is("||")) {
                advance();
                node = new Or(node, and());
            }
            return node;
        }

        private Node and() {
            Node node = unary();
            while (next.is("&&")) {
                advance();
                node = new And(node, unary());
            }
            return node;
        }

        private Node unary() {
            if ((next.is("!") || next.is("(")) && nesting == MAX_NESTING) {
                throw new FilterException(
                        text, next.at, "nested deeper than " + MAX_NESTING + " ( and !; write the filter flatter");
            }
            if (next.is("!")) {
                advance();
                nesting++;
                Node negated = unary();
                nesting--;
                return new Not(negated);
            }
            if (next.is("(")) {
                int open = next.at;
                advance();
                nesting++;
                Node inner = or();
                nesting--;
                if (!next.is(")")) {
                    throw new FilterException(
                            text, next.at, "expected ) to close the ( at position " + open + ", found " + next.shown());
                }
                advance();
                return inner;
            }
            if (next.kind != TokenKind.IDENTIFIER) {
                throw new FilterException(text, next.at, "expected an argument's name, !, or (, found " + next.shown());
            }
            Token field = advance();
            if (!isComparison(next)) {
                // a boolean argument alone: == true
                return new Comparison(
                        field.text, field.at, "==", field.at, new Token(TokenKind.IDENTIFIER, "true", field.at));
            }
            Token operator = advance();
            if (next.kind != TokenKind.NUMBER && next.kind != TokenKind.STRING && next.kind != TokenKind.IDENTIFIER) {
                throw new FilterException(
                        text,
                        next.at,
                        "expected a number, a string or a name after " + operator.text + ", found " + next.shown());
            }
            return new Comparison(field.text, field.at, operator.text, operator.at, advance());
        }

        private static boolean isComparison(Token token) {
            for (String operator : COMPARISONS) {
                if (token.is(operator)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Whether the character at {@code at}, in the number that begins at {@code start}, is the
         * sign of a decimal exponent: a '-' or '+' right after its 'e' or 'E' ({@code 1e-9}), not
         * in a hex number, whose e is a digit.
         */
        private static boolean isExponentSign(String text, int start, int at) {
            char c = text.charAt(at);
            char before = text.charAt(at - 1);
            int digits = text.charAt(start) == '-' ? start + 1 : start;
            return (c == '-' || c == '+')
                    && (before == 'e' || before == 'E')
                    && !text.regionMatches(true, digits, "0x", 0, 2);
        }

        private Token advance() {
            Token current = next;
            next = read();
            return current;
        }

        private Token read() {
            while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
                position++;
            }
            int start = position;
            if (position == text.length()) {
                return new Token(TokenKind.END, "", start);
            }
            char c = text.charAt(position);
            if (Character.isLetter(c) || c == '_' || c == '$') {
                position++;
                while (position < text.length()
                        && (Character.isLetterOrDigit(text.charAt(position)) || text.charAt(position) == '_')) {
                    position++;
                }
                return new Token(TokenKind.IDENTIFIER, text.substring(start, position), start);
            }
            if (Character.isDigit(c)
                    || (c == '-'
                            && position + 1 < text.length()
                            && (Character.isDigit(text.charAt(position + 1)) || text.charAt(position + 1) == '.'))
                    || (c == '.' && position + 1 < text.length() && Character.isDigit(text.charAt(position + 1)))) {
                position++;
                while (position < text.length()
                        && (Character.isLetterOrDigit(text.charAt(position))
                                || text.charAt(position) == '.'
                                || isExponentSign(text, start, position))) {
                    position++;
                }
                return new Token(TokenKind.NUMBER, text.substring(start, position), start);
            }
            if (c == '"') {
                StringBuilder value = new StringBuilder();
                position++;
                while (position < text.length() && text.charAt(position) != '"') {
                    char d = text.charAt(position++);
                    if (d == '\\') {
                        if (position == text.length()) {
                            break;
                        }
                        char escaped = text.charAt(position++);
                        if (escaped != '"' && escaped != '\\') {
                            throw new FilterException(
                                    text,
                                    position - 2,
                                    "unknown escape \\" + escaped + " in a string; only \\\" and \\\\ are escapes");
                        }
                        d = escaped;
                    }
                    value.append(d);
                }
                if (position == text.length()) {
                    throw new FilterException(text, start, "this string has no closing \"");
                }
                position++;
                return new Token(TokenKind.STRING, value.toString(), start);
            }
            for (String operator : OPERATORS) {
                if (text.startsWith(operator, position)) {
                    position += operator.length();
                    return new Token(TokenKind.OPERATOR, operator, start);
                }
            }
            throw new FilterException(
                    text,
                    start,
                    "unexpected character '" + c + "'"
                            + (c == '='
                                    ? " (equality is ==)"
                                    : c == '&' || c == '|'
                                            ? " (and, or are && and ||)"
                                            : c == '\'' ? " (strings and characters are in double quotes)" : ""));
        }
    }
}
