package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** --duration D: seconds or a number with a unit, anything else refused with the forms it takes. */
class DurationOptionTest {
    private final DurationOption.Seconds seconds = new DurationOption.Seconds();

    @Test
    void secondsOrANumberWithAUnit() {
        assertThat(seconds.convert("2.5")).isEqualTo(2.5);
        assertThat(seconds.convert("10s")).isEqualTo(10.0);
        assertThat(seconds.convert("500ms")).isEqualTo(0.5);
        assertThat(seconds.convert("2m")).isEqualTo(120.0);
        assertThat(seconds.convert("1H")).isEqualTo(3600.0);
    }

    /** The first line's phrase, in plain digits: it said "for 1.0E-4 s" and "for 3.599999999964E14 s". */
    @Test
    void thePhraseGivesTheSecondsInPlainDigits() {
        DurationOption option = new DurationOption();
        assertThat(option.phrase(", Ctrl-C stops")).isEqualTo(", Ctrl-C stops");
        option.seconds = seconds.convert("0.1ms");
        assertThat(option.phrase("")).isEqualTo(" for 0.0001 s");
        option.seconds = seconds.convert("10s");
        assertThat(option.phrase("")).isEqualTo(" for 10 s");
        option.seconds = seconds.convert("2.5");
        assertThat(option.phrase("")).isEqualTo(" for 2.5 s");
        option.seconds = seconds.convert("100000000000h");
        assertThat(option.phrase("")).isEqualTo(" for 360000000000000 s");
    }

    @Test
    void anythingElseIsRefusedWithTheFormsItTakes() {
        for (String bad : new String[] {"0", "0s", "-1", "soon", "5d", "1.s", ""}) {
            assertThatThrownBy(() -> seconds.convert(bad))
                    .as(bad)
                    .hasMessageContaining("give seconds (2.5) or a number with ms, s, m or h");
        }
    }

    @Test
    void aCommandGivenABadDurationSaysSoOnStderr() {
        TpCommand command = TpCommand.run("stat", "--pid", "1", "-e", "x:*", "--duration", "soon");
        assertThat(command.status()).isNotZero();
        assertThat(command.err()).contains("'soon': give seconds (2.5)");
        assertThat(command.out()).isEmpty();
    }
}
