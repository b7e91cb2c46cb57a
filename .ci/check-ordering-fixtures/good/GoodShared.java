package fixtures.good;

/** A second file of the same module: labels shared with Good, defined once or cross-referenced. */
final class GoodShared {
    /*
     * Memory ordering
     *   [A2] the acquire of the lock counts; pairs with [L] in Good.
     *   [S] here the state readers see: the same [S] as in Good (see Good [S]), an item of its own
     *       that cross-references its home.
     *   [D] a label on the last line of a split statement.
     *   [X] in Good is not a cross-reference of [X]: Good has no [X]; this item is [X]'s only one.
     */

    private volatile long seen; // [A2] written by observe()

    void observe(Good good) {
        seen = good.hashCode(); // [S] [A2] [X] labels named or defined in this note
    }
}
