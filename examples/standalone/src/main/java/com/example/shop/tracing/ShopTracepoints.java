package com.example.shop.tracing;

import io.tracepoint4j.Tracepoint;

/** The shop's tracepoints: prototypes (one method each, its parameters the arguments) and definitions. */
public final class ShopTracepoints {
    /** Fired for each order placed. */
    public interface Order {
        void order(String item, int quantity, long cents);
    }

    /** Fired for each payment, accepted or not. */
    public interface Payment {
        void payment(long orderId, boolean accepted);
    }

    /** Static finals, so that the JIT folds the check of a tracepoint nobody records. */
    public static final Tracepoint<Order> ORDER =
            Tracepoint.define("shop:order", Order.class, "item", "quantity", "cents");

    public static final Tracepoint<Payment> PAYMENT =
            Tracepoint.define("shop:payment", Payment.class, "orderId", "accepted");

    private ShopTracepoints() {}
}
