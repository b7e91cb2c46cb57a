package fixtures.bad;

/** No design note: a label here is explained nowhere. */
final class BadNoNote {
    private long x;

    void set(long value) {
        x = value; // [N] no design note to explain it // expect: undefined label
    }

    long get() {
        return x;
    }
}
