package io.tracepoint4j.jfr;

import io.tracepoint4j.Tracepoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.AnnotationElement;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.EventFactory;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.ValueDescriptor;

/**
 * The JFR event type of each bridged tracepoint, made once with {@link EventFactory} and kept for
 * the JVM's life: creating one defines a class (milliseconds, metaspace), so it never happens per
 * firing, nor twice for one signature: the tracepoint's name, flavor and argument names and types.
 * A plugin redeployed defines its tracepoints again (new ids, new prototype classes) with the same
 * signatures, and gets the same event types: its fields hold JDK types only, never the plugin's.
 */
final class TracepointEventTypes {
    /** The factories made so far, by signature. Guarded by the class. */
    private static final Map<String, EventFactory> FACTORIES = new HashMap<>();

    /** The fields JFR gives every event: an argument of one of these names gets a field named NAME_. */
    private static final Set<String> IMPLICIT_FIELDS = Set.of("startTime", "duration", "eventThread", "stackTrace");

    private TracepointEventTypes() {}

    /** The event type of {@code tracepoint}: made now if it has none yet. */
    static synchronized EventFactory of(Tracepoint<?> tracepoint) {
        String signature = signature(tracepoint);
        EventFactory factory = FACTORIES.get(signature);
        if (factory == null) {
            factory = create(tracepoint);
            FACTORIES.put(signature, factory);
        }
        return factory;
    }

    private static String signature(Tracepoint<?> tracepoint) {
        StringBuilder signature =
                new StringBuilder(tracepoint.name()).append(' ').append(tracepoint.flavor());
        for (Tracepoint.Argument argument : tracepoint.arguments()) {
            signature
                    .append(' ')
                    .append(fieldType(argument.type()).getName())
                    .append(' ')
                    .append(argument.name());
        }
        return signature.toString();
    }

    /**
     * The fields the arguments become, in their order: each its name, unless JFR's own fields or
     * an earlier field have it; then with {@code _} appended until neither has
     * ({@code startTime} beside an argument {@code startTime_} becomes {@code startTime__}).
     */
    static List<String> fieldNames(Tracepoint<?> tracepoint) {
        List<String> names = new ArrayList<>();
        java.util.Set<String> taken = new java.util.HashSet<>(IMPLICIT_FIELDS);
        for (Tracepoint.Argument argument : tracepoint.arguments()) {
            taken.add(argument.name()); // an argument's own name is never another's field
        }
        for (Tracepoint.Argument argument : tracepoint.arguments()) {
            String name = argument.name();
            if (IMPLICIT_FIELDS.contains(name)) {
                do {
                    name += "_";
                } while (taken.contains(name));
                taken.add(name);
            }
            names.add(name);
        }
        return names;
    }

    /** The JFR name of a tracepoint's event type: {@code tracepoint4j.PROVIDER.EVENT}. */
    static String eventName(Tracepoint<?> tracepoint) {
        return "tracepoint4j." + tracepoint.provider() + "." + tracepoint.event();
    }

    /** The JFR type of an argument's field: the argument's own for primitives and strings. */
    static Class<?> fieldType(Class<?> argumentType) {
        if (argumentType.isEnum()) {
            return String.class; // the constant's name
        }
        if (argumentType == byte[].class) {
            return int.class; // the length: a JFR field holds no array
        }
        return argumentType;
    }

    private static EventFactory create(Tracepoint<?> tracepoint) {
        List<AnnotationElement> annotations = new ArrayList<>();
        annotations.add(new AnnotationElement(Name.class, eventName(tracepoint)));
        annotations.add(new AnnotationElement(Label.class, tracepoint.name()));
        annotations.add(new AnnotationElement(Category.class, new String[] {"tracepoint4j", tracepoint.provider()}));
        annotations.add(new AnnotationElement(
                Description.class,
                "A firing of the " + tracepoint.flavor().name().toLowerCase(java.util.Locale.ROOT) + " tracepoint "
                        + tracepoint.name() + ", bridged by tracepoint4j-jfr"));
        annotations.add(new AnnotationElement(StackTrace.class, false));
        List<ValueDescriptor> fields = new ArrayList<>();
        List<String> names = fieldNames(tracepoint);
        for (Tracepoint.Argument argument : tracepoint.arguments()) {
            List<AnnotationElement> about = new ArrayList<>();
            about.add(new AnnotationElement(Label.class, argument.name()));
            if (argument.type() == byte[].class) {
                about.add(new AnnotationElement(
                        Description.class, "the length of the byte[] argument (-1: null); JFR fields hold no arrays"));
            } else if (argument.type().isEnum()) {
                about.add(new AnnotationElement(
                        Description.class, "the name of the " + argument.type().getSimpleName() + " constant"));
            }
            fields.add(new ValueDescriptor(fieldType(argument.type()), names.get(fields.size()), about));
        }
        return EventFactory.create(annotations, fields);
    }
}
