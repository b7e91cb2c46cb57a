package fixtures.bad;

/** A second file of Bad's module: labels that clash with Bad's, or with themselves. */
final class BadOther {
    /*
     * Memory ordering
     *   [M] another meaning of [M]. // expect: two meanings
     *
     *   [E] expeditedWaiters, an opaque count (see Bad): naming Bad is no cross-reference of its [E]. // expect: two meanings
     *
     *   [K] one meaning here. // expect: two meanings
     *
     *   [K] and another, in the same file. // expect: two meanings
     *
     *   [V] a label of this file only.
     */

    private long v;

    void set(long value) {
        v = value; // [V] [M] [E] [K] plain write; labels named in this note
    }
}
