package io.tracepoint4j.ctf;

import java.util.Set;

/**
 * The lexical rules of TSDL (the CTF 1.8 metadata language) that names and strings must follow, as
 * babeltrace2 2.0.4 applies them: which identifiers are reserved, how a field name that is not an
 * identifier is escaped, and how a string literal is quoted.
 *
 * <p>Field names. babeltrace2 removes one leading underscore from every field name it reads (the CTF
 * convention for naming a field after a keyword: {@code _align} is shown as {@code align}). So the
 * name a field is <em>shown</em> under is its Java name with every character outside {@code
 * [A-Za-z0-9_]} replaced by {@code _} ({@link #shownName}); it is written as that name, with one
 * underscore put in front when the shown name begins with a digit or an underscore, or is a keyword
 * or one of the metadata's type names ({@link #identifier}). Readers take the underscore off again
 * ({@link #fromIdentifier}).
 *
 * <p>Strings. A TSDL string literal is written in double quotes, with {@code \\} and {@code \"}
 * escaped and control characters written as {@code \n}, {@code \t}, {@code \r} or a three-digit octal
 * escape (babeltrace2 reads a {@code \x} escape greedily, so {@code \x1b2} would not end after two
 * digits); other characters are written as UTF-8, which babeltrace2 passes through. A NUL cannot be
 * written: babeltrace2 would cut the string there.
 */
final class Tsdl {

    /** The words the babeltrace2 2.0.4 metadata lexer reserves: none may name a field as is. */
    static final Set<String> KEYWORDS = Set.of(
            "align",
            "callsite",
            "const",
            "char",
            "clock",
            "double",
            "enum",
            "env",
            "event",
            "floating_point",
            "float",
            "integer",
            "int",
            "long",
            "short",
            "signed",
            "stream",
            "string",
            "struct",
            "trace",
            "typealias",
            "typedef",
            "unsigned",
            "variant",
            "void",
            "_Bool",
            "_Complex",
            "_Imaginary");

    /** The TSDL type of a timestamp: a uint64 mapped to the trace's clock (declared after the clock). */
    static final String TIMESTAMP_ALIAS = "timestamp_t";

    private Tsdl() {}

    /** Whether {@code s} is a TSDL identifier: {@code [A-Za-z_][A-Za-z0-9_]*}. */
    static boolean isIdentifier(String s) {
        if (s.isEmpty() || Character.isDigit(s.charAt(0))) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isIdentifierChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code s} names something in the metadata's own vocabulary, so that a field so named
     * would not parse: a keyword, or the name of a type the metadata declares.
     */
    static boolean isReserved(String s) {
        if (KEYWORDS.contains(s) || s.equals(TIMESTAMP_ALIAS)) {
            return true;
        }
        for (FieldType type : FieldType.values()) {
            if (s.equals(type.alias())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The name babeltrace2 and {@link CtfReader} show for a field named {@code name}: every code point
     * outside {@code [A-Za-z0-9_]} replaced by one {@code _}.
     */
    static String shownName(String name) {
        StringBuilder shown = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            shown.append(cp < 0x80 && isIdentifierChar((char) cp) ? (char) cp : '_');
            i += Character.charCount(cp);
        }
        return shown.toString();
    }

    /**
     * The TSDL identifier that makes babeltrace2 show a field as {@code shown} (a {@link #shownName}):
     * {@code shown} itself, or with an underscore in front when it begins with a digit or an
     * underscore, or is reserved.
     */
    static String identifier(String shown) {
        if (shown.isEmpty()) {
            throw new IllegalArgumentException("a field name must not be empty");
        }
        if (Character.isDigit(shown.charAt(0)) || shown.charAt(0) == '_' || isReserved(shown)) {
            return "_" + shown;
        }
        return shown;
    }

    /** The name a field written as TSDL {@code identifier} is shown under: one leading underscore off. */
    static String fromIdentifier(String identifier) {
        return identifier.startsWith("_") ? identifier.substring(1) : identifier;
    }

    /** {@code s} as a TSDL string literal, quotes included (see the class comment). */
    static String literal(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                case '\0' ->
                    throw new IllegalArgumentException("a NUL character cannot be written in CTF metadata (in "
                            + quoteForMessage(s) + "); babeltrace2 would cut the string there: remove it");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append('\\')
                                .append((char) ('0' + (c >> 6)))
                                .append((char) ('0' + ((c >> 3) & 7)))
                                .append((char) ('0' + (c & 7)));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** {@code s} in quotes for an error message, control characters shown as Java escapes. */
    static String quoteForMessage(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static boolean isIdentifierChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
}
