package io.tracepoint4j.tracer;

/**
 * A filter that cannot be parsed or compiled ({@link Filter}): what is wrong, and where. The message
 * shows the expression with a caret under the place:
 *
 * <pre>
 * filter "status = 200": unexpected character '=' (equality is ==), at position 7
 *   status = 200
 *          ^
 * </pre>
 */
public final class FilterException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String expression;
    private final int position;
    private final String reason;

    FilterException(String expression, int position, String reason) {
        super("filter \"" + expression + "\": " + reason + ", at position " + position + "\n  " + expression + "\n  "
                + " ".repeat(position) + "^");
        this.expression = expression;
        this.position = position;
        this.reason = reason;
    }

    /** The filter's text. */
    public String expression() {
        return expression;
    }

    /** Where in {@link #expression()} the problem is, from 0. */
    public int position() {
        return position;
    }

    /** What is wrong, without the position. */
    public String reason() {
        return reason;
    }
}
