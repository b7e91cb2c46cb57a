package io.tracepoint4j.examples;

/**
 * An immutable configuration snapshot published to readers through an {@code AtomicReference}. The
 * updater that replaces it marks it retired once no reader can still hold it: after a grace period,
 * either directly after {@code synchronize()} or from a {@code call()} callback. A reader that finds
 * the object it holds retired has witnessed a grace period that ended too early.
 */
final class Config {
    /*
     * Memory ordering: retire() is the stand-in for freeing the object. [R] its volatile write is
     * ordered after the grace period by the domain's contract; readers check isRetired() inside
     * their sections, so a correct domain never lets them see true.
     */

    private final long version;
    private final long payload;
    private volatile boolean retired; // [R] set after a grace period; read by readers in sections

    Config(long version) {
        this.version = version;
        this.payload = version * 31 + 7;
    }

    long version() {
        return version;
    }

    /** Something for readers to compute with, so the reads are not dead code. */
    long payload() {
        return payload;
    }

    boolean isRetired() {
        return retired;
    }

    /** Marks this snapshot as freed; only valid after a grace period that began after unpublishing. */
    void retire() {
        retired = true; // [R] after the grace period; pairs with isRetired() in read sections
    }

    @Override
    public String toString() {
        return "config v" + version;
    }
}
