package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.ConsumerDomainExample.Buffer;
import io.tracepoint4j.ConsumerDomainExample.Request;
import io.tracepoint4j.testkit.Waits;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/** A consumer with its own SRCU domain (see {@link ConsumerDomainExample}). */
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class ConsumerDomainTest {

    @Test
    void consumerSwitchesBuffersUnderItsOwnDomainWhileFiringsContinue() {
        Tracepoint<Request> regular =
                Tracepoint.define(unique("consumer", "request"), Request.class, "method", "status", "nanos");
        Tracepoint<Request> faultable =
                Tracepoint.defineFaultable(unique("consumer", "request"), Request.class, "method", "status", "nanos");
        // another consumer's faultable probe blocks: it must not delay this consumer's buffer switches
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean firstBlock = new AtomicBoolean(true);
        Request blocker = (m, s, n) -> {
            if (firstBlock.compareAndSet(true, false)) {
                blocked.countDown();
                TestSupport.awaitInProbe(release);
            }
        };
        faultable.register(blocker, 1);
        CompletableFuture<Void> blockedFiring =
                async("blocked", () -> faultable.fire().request("PUT", 500, 0));
        await(blocked, "the other consumer's probe to block");

        try (ConsumerDomainExample consumer = new ConsumerDomainExample()) {
            consumer.attach(regular);
            consumer.attach(faultable);
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Void> firer = async("firer", () -> {
                while (!stop.get()) {
                    regular.fire().request("GET", 200, 1);
                    faultable.fire().request("POST", 201, 1);
                }
            });
            long total = 0;
            for (int i = 0; i < 20; i++) {
                Waits.sleep(5);
                Buffer full = consumer.switchBuffer(); // would hang if it waited for the blocked probe
                total += full.events.sum();
                assertThat(full.nanos.sum()).isEqualTo(full.events.sum());
            }
            stop.set(true);
            await(firer, "the firer");
            assertThat(total).isPositive();
            assertThat(consumer.writesAfterRetire()).isZero();
            consumer.detach(regular);
            release.countDown();
            consumer.detach(faultable);
        } finally {
            release.countDown();
            await(blockedFiring, "the blocked firing");
            faultable.unregister(blocker);
        }
    }
}
