package com.example.shop;

import com.example.shop.tracing.ShopTracepoints;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.tracer.Session;
import java.nio.file.Path;

/**
 * Takes orders on two threads while a session records the shop's tracepoints into a CTF trace:
 * {@code java -p target/shop.jar:target/modules -m com.example.shop/com.example.shop.Shop DIR}.
 * Prints the modules it runs in, the trace's folder, and {@code events recorded: N, lost: M}.
 */
public final class Shop {
    /** Each order fires two tracepoints (order, payment): 2 clerks make 1,000 events. */
    static final int ORDERS_PER_CLERK = 250;

    private Shop() {}

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args.length > 0 ? args[0] : "shop-trace");
        Session session =
                Session.builder("shop").enable("shop:*").output(folder).start();
        Thread[] clerks = new Thread[2];
        for (int c = 0; c < clerks.length; c++) {
            int clerk = c;
            clerks[c] = Thread.ofPlatform().name("clerk-" + c).start(() -> takeOrders(clerk));
        }
        for (Thread clerk : clerks) {
            clerk.join();
        }
        Session.Summary summary = session.stop();
        System.out.println("modules: " + Shop.class.getModule().getName() + ", "
                + Session.class.getModule().getName() + ", "
                + Tracepoint.class.getModule().getName());
        System.out.println("trace: " + summary.chunks().getFirst());
        System.out.println("events recorded: " + session.eventsWritten() + ", lost: " + summary.lost());
    }

    private static void takeOrders(int clerk) {
        String[] items = {"tea", "coffee", "cake"};
        for (int i = 0; i < ORDERS_PER_CLERK; i++) {
            long orderId = clerk * 1_000_000L + i;
            ShopTracepoints.ORDER.fire().order(items[i % items.length], 1 + i % 3, 250L * (1 + i % 3));
            ShopTracepoints.PAYMENT.fire().payment(orderId, i % 10 != 9);
        }
    }
}
