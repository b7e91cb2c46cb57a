package io.tracepoint4j;

import io.tracepoint4j.Tracepoint.Argument;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/** Validation of tracepoint names, prototypes and argument names, with errors that name the fix. */
final class Prototypes {

    private static final int MAX_NAME_LENGTH = 255;

    /** Java's reserved words and literals: argument names must be usable as Java identifiers. */
    private static final Set<String> RESERVED = Set.of(
            "_",
            "abstract",
            "assert",
            "boolean",
            "break",
            "byte",
            "case",
            "catch",
            "char",
            "class",
            "const",
            "continue",
            "default",
            "do",
            "double",
            "else",
            "enum",
            "extends",
            "final",
            "finally",
            "float",
            "for",
            "goto",
            "if",
            "implements",
            "import",
            "instanceof",
            "int",
            "interface",
            "long",
            "native",
            "new",
            "package",
            "private",
            "protected",
            "public",
            "return",
            "short",
            "static",
            "strictfp",
            "super",
            "switch",
            "synchronized",
            "this",
            "throw",
            "throws",
            "transient",
            "try",
            "void",
            "volatile",
            "while",
            "true",
            "false",
            "null");

    private Prototypes() {}

    /**
     * The provider of tracepoint4j's own events in a trace (the tracer's {@code
     * tracepoint4j:thread}, which names threads): readers take an event of that name for one of
     * them, so no tracepoint may have it.
     */
    static final String RESERVED_PROVIDER = "tracepoint4j";

    static void checkName(String name) {
        if (name == null || name.length() > MAX_NAME_LENGTH || !isName(name)) {
            throw new IllegalArgumentException("invalid tracepoint name " + quoted(name)
                    + ": a name is provider:event, each part a letter or '_' followed by letters, digits or '_'"
                    + " (at most " + MAX_NAME_LENGTH + " characters), e.g. \"http:request\"");
        }
        if (name.startsWith(RESERVED_PROVIDER + ":")) {
            throw new IllegalArgumentException("tracepoint name " + quoted(name) + ": the provider " + RESERVED_PROVIDER
                    + " is reserved for the events tracepoint4j writes itself (tracepoint4j:thread names"
                    + " threads in a trace); use your own, e.g. \"myapp:" + name.substring(name.indexOf(':') + 1)
                    + "\"");
        }
    }

    /** The prototype's single abstract method, after checking that it can be a prototype. */
    static Method abstractMethod(Class<?> prototype) {
        if (prototype == null) {
            throw new IllegalArgumentException("the prototype is null; pass the interface, e.g. Request.class");
        }
        String what = "prototype " + prototype.getName();
        if (!prototype.isInterface() || prototype.isAnnotation()) {
            throw new IllegalArgumentException(what + " is not an interface: a prototype is a public interface with"
                    + " one abstract method returning void, e.g. interface Request { void request(String method, int"
                    + " status); }");
        }
        if (!Modifier.isPublic(prototype.getModifiers())) {
            throw new IllegalArgumentException(what + " is not public: the generated tracepoint class implements it"
                    + " from package io.tracepoint4j; declare it public");
        }
        if (prototype.isHidden() || prototype.isSealed()) {
            throw new IllegalArgumentException(what + " is " + (prototype.isHidden() ? "hidden" : "sealed")
                    + ": the generated tracepoint class must implement it; use an ordinary public interface");
        }
        Map<String, Method> abstractMethods = new LinkedHashMap<>();
        for (Method m : prototype.getMethods()) {
            if (Modifier.isAbstract(m.getModifiers()) && !isObjectMethod(m)) {
                abstractMethods.putIfAbsent(signature(m), m);
            }
        }
        if (abstractMethods.size() != 1) {
            throw new IllegalArgumentException(what + " has " + abstractMethods.size() + " abstract methods "
                    + names(abstractMethods.values())
                    + ": a prototype has exactly one (add default bodies to the others, or split the interface)");
        }
        Method method = abstractMethods.values().iterator().next();
        if (method.getReturnType() != void.class) {
            throw new IllegalArgumentException(what + ": method " + method.getName() + " returns "
                    + method.getReturnType().getSimpleName() + "; a tracepoint's method returns void");
        }
        int slots = 0;
        for (Class<?> type : method.getParameterTypes()) {
            slots += type == long.class || type == double.class ? 2 : 1;
        }
        if (slots > TracepointClassGenerator.MAX_ARGUMENT_SLOTS) {
            throw new IllegalArgumentException(what + "." + method.getName() + " takes " + slots
                    + " parameter slots (long and double take two each); a tracepoint takes at most "
                    + TracepointClassGenerator.MAX_ARGUMENT_SLOTS + ", the JVM's limit for a method handle less the"
                    + " tracepoint and the probe passed along with the arguments: pass fewer arguments, or split"
                    + " the tracepoint");
        }
        if (TRACEPOINT_METHODS.contains(signature(method))) {
            throw new IllegalArgumentException(what + ": method " + method.getName() + " clashes with Tracepoint."
                    + method.getName() + "; rename it");
        }
        if (method.getName().equals(TracepointClassGenerator.CALL_PROBES)) {
            throw new IllegalArgumentException(what + ": method name " + method.getName() + " is reserved; rename it");
        }
        return method;
    }

    /** The arguments of {@code method}, named by {@code names} (or by -parameters when none given). */
    static List<Argument> arguments(Class<?> prototype, Method method, String[] names) {
        Parameter[] parameters = method.getParameters();
        String where = "prototype " + prototype.getName() + "." + method.getName();
        if (names.length == 0 && parameters.length > 0) {
            if (!parameters[0].isNamePresent()) {
                throw new IllegalArgumentException(where + " has " + parameters.length + " parameters but no argument"
                        + " names were given: pass one name per parameter to define(), or compile the prototype"
                        + " with javac -parameters");
            }
            names = new String[parameters.length];
            for (int i = 0; i < parameters.length; i++) {
                names[i] = parameters[i].getName();
            }
        }
        if (names.length != parameters.length) {
            throw new IllegalArgumentException(where + " has " + parameters.length + " parameters but "
                    + names.length + " argument names were given " + Arrays.toString(names)
                    + ": give exactly one name per parameter, in order");
        }
        List<Argument> arguments = new ArrayList<>(names.length);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            if (name == null || !isIdentifier(name, 0, name.length()) || RESERVED.contains(name)) {
                throw new IllegalArgumentException(where + ": argument name " + quoted(name) + " (argument " + i
                        + ") is not a valid name: a letter or '_' followed by letters, digits or '_', and not a Java"
                        + " keyword");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException(
                        where + ": argument name \"" + name + "\" is used twice;" + " argument names are unique");
            }
            Class<?> type = parameters[i].getType();
            if (!supported(type)) {
                throw new IllegalArgumentException(where + ": argument " + name + " has type " + type.getTypeName()
                        + "; supported types are primitives, String, enums and byte[] (a tracer must be able to"
                        + " record any tracepoint without code written for it)");
            }
            arguments.add(new Argument(name, type));
        }
        return List.copyOf(arguments);
    }

    static boolean supported(Class<?> type) {
        return type.isPrimitive() || type == String.class || type == byte[].class || type.isEnum();
    }

    private static boolean isObjectMethod(Method m) {
        return OBJECT_METHODS.contains(signature(m));
    }

    /** {@code name[parameter types]}: what makes two methods override one another. */
    private static String signature(Method m) {
        return m.getName() + Arrays.toString(m.getParameterTypes());
    }

    /** Object's public methods, which an interface declares abstractly without a prototype meaning them. */
    private static final Set<String> OBJECT_METHODS = signatures(Object.class.getMethods());

    /**
     * Tracepoint's own methods visible to the generated subclass and its callers (a private one is
     * neither): a prototype method of the same signature would clash with one of them.
     */
    private static final Set<String> TRACEPOINT_METHODS = tracepointMethods();

    private static Set<String> tracepointMethods() {
        Set<String> visible = new HashSet<>();
        for (Class<?> c = Tracepoint.class; c != null; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (!Modifier.isPrivate(m.getModifiers())) {
                    visible.add(signature(m));
                }
            }
        }
        return Set.copyOf(visible);
    }

    private static Set<String> signatures(Method[] methods) {
        Set<String> all = new HashSet<>();
        for (Method m : methods) {
            all.add(signature(m));
        }
        return Set.copyOf(all);
    }

    /** {@code provider:event}, each part an identifier. No regular expression: this runs at start-up. */
    private static boolean isName(String name) {
        int colon = name.indexOf(':');
        return colon >= 0 && isIdentifier(name, 0, colon) && isIdentifier(name, colon + 1, name.length());
    }

    /** Whether {@code s[from, to)} is a letter or '_' followed by letters, digits or '_' (ASCII). */
    private static boolean isIdentifier(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
            if (!letter && (i == from || c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    static String describe(List<Argument> arguments) {
        StringJoiner joined = new StringJoiner(", ", "(", ")");
        for (Argument argument : arguments) {
            joined.add(argument.toString());
        }
        return joined.toString();
    }

    private static List<String> names(Collection<Method> methods) {
        List<String> names = new ArrayList<>();
        for (Method method : methods) {
            names.add(method.getName());
        }
        return names;
    }

    /** {@code s} in quotes for a message: its first 100 characters and a count of the rest, if longer. */
    private static String quoted(String s) {
        if (s == null) {
            return "null";
        }
        if (s.length() <= 100) {
            return '"' + s + '"';
        }
        int shown = Character.isHighSurrogate(s.charAt(99)) ? 99 : 100; // not half a pair
        return '"' + s.substring(0, shown) + "\"... (" + s.length() + " characters)";
    }
}
