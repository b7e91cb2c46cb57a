package io.tracepoint4j.rcu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Names and settings: bad values are rejected early with messages that say what is wrong. */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class BuilderTest {

    /** Every way to make a domain from a name. */
    enum Factory {
        SRCU_CREATE(Srcu::create),
        SRCU_BUILDER(n -> Srcu.builder(n).build()),
        CLASSIC_CREATE(ClassicRcu::create),
        CLASSIC_BUILDER(n -> ClassicRcu.builder(n).build());

        final Function<String, RcuDomain> make;

        Factory(Function<String, RcuDomain> make) {
            this.make = make;
        }
    }

    @ParameterizedTest
    @EnumSource(Factory.class)
    void aNullNameIsRejected(Factory factory) {
        assertThatThrownBy(() -> factory.make.apply(null))
                .isInstanceOfAny(NullPointerException.class, IllegalArgumentException.class)
                .message()
                .containsIgnoringCase("name");
    }

    @ParameterizedTest
    @EnumSource(Factory.class)
    void blankNamesAreRejected(Factory factory) {
        for (String blank : new String[] {"", " ", "\t\n "}) {
            assertThatThrownBy(() -> factory.make.apply(blank))
                    .as("name %s", '"' + blank + '"')
                    .isInstanceOf(IllegalArgumentException.class)
                    .message()
                    .containsIgnoringCase("name");
        }
    }

    @ParameterizedTest
    @EnumSource(Factory.class)
    void aDomainKeepsItsName(Factory factory) {
        String name = "keeps-its-name-" + factory;
        RcuDomain d = factory.make.apply(name);
        try {
            assertThat(d.name()).isEqualTo(name);
            assertThat(d.completedGracePeriods()).isNotNegative();
        } finally {
            d.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void nonPositiveStallTimeoutsAreRejected(Flavor flavor) {
        RcuDomain.Builder<? extends RcuDomain> builder = flavor.builder("stall-timeouts");
        for (Duration bad : new Duration[] {null, Duration.ZERO, Duration.ofNanos(-1), Duration.ofSeconds(-5)}) {
            assertThatThrownBy(() -> builder.stallTimeout(bad))
                    .as("stallTimeout(%s)", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .message()
                    .containsIgnoringCase("stall timeout")
                    .contains("positive");
        }
        RcuDomain d = builder.stallTimeout(Duration.ofNanos(1))
                .stallTimeout(Duration.ofMinutes(5))
                .build();
        try {
            d.synchronize();
        } finally {
            d.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"config", "a", "CamelCase42", "dots.and-dashes_1"})
    void ordinaryNamesAreAccepted(String name) {
        for (Flavor flavor : Flavor.values()) {
            RcuDomain d = flavor.builder(name).build();
            try {
                assertThat(d.name()).isEqualTo(name);
            } finally {
                d.close();
            }
        }
    }
}
