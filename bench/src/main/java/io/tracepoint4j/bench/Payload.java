package io.tracepoint4j.bench;

/** The immutable value behind {@link Published}, padded like it. */
final class Payload extends PayloadField {
    long p10, p11, p12, p13, p14, p15, p16, p17;

    Payload(long value) {
        super(value);
    }
}

abstract class PayloadPad {
    long p00, p01, p02, p03, p04, p05, p06, p07;
}

abstract class PayloadField extends PayloadPad {
    final long value;

    PayloadField(long value) {
        this.value = value;
    }
}
