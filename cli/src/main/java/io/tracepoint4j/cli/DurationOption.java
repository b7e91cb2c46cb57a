package io.tracepoint4j.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --duration D} of {@code record}, {@code stat} and {@code hist}: how long to run, or until stopped. */
final class DurationOption {
    private static final Pattern DURATION = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)?");

    @Option(
            names = "--duration",
            paramLabel = "D",
            converter = Seconds.class,
            description = "Stop after D: seconds (2.5) or a number with ms, s, m or h (500ms, 10s, 2m);"
                    + " default: until Ctrl-C or the target's exit.")
    Double seconds;

    /**
     * How the first line says when it ends: {@code " for 2.5 s"} (the seconds in plain digits: no
     * {@code 1.0E-4}, no trailing {@code .0}), else {@code untilStopped}.
     */
    String phrase(String untilStopped) {
        return seconds == null
                ? untilStopped
                : " for "
                        + java.math.BigDecimal.valueOf(seconds)
                                .stripTrailingZeros()
                                .toPlainString() + " s";
    }

    /** D in seconds. */
    static final class Seconds implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
            double number = m.matches() ? Double.parseDouble(m.group(1)) : 0;
            if (number <= 0) {
                throw new TypeConversionException("'" + value
                        + "': give seconds (2.5) or a number with ms, s, m or h (500ms, 10s, 2m), more than 0");
            }
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> number / 1000;
                case "m" -> number * 60;
                case "h" -> number * 3600;
                default -> number;
            };
        }
    }
}
