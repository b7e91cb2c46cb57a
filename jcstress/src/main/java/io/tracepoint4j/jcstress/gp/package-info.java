/**
 * Litmus tests of the grace-period protocol, through the public API of each flavor.
 *
 * <p>Every test has a reader actor, whose accesses all sit inside one read-side critical section of
 * a static domain, and an updater actor that calls {@code synchronize()} or {@code
 * synchronizeExpedited()} between two accesses. The cells {@code x} and {@code y} ({@link
 * io.tracepoint4j.jcstress.gp.Cells}) start at 0 and are accessed with opaque reads and writes only,
 * so no ordering comes from the data accesses themselves.
 *
 * <h2>The rule every forbidden outcome follows from</h2>
 *
 * For a read-side critical section R and a grace period G (a {@code synchronize()} call), one of two
 * things holds:
 *
 * <ol>
 *   <li>R began before G: then R ends before G ends, so every access in R happens-before every
 *       access the updater makes after {@code synchronize()} returns; or
 *   <li>R did not begin before G: then every access the updater made before calling {@code
 *       synchronize()} happens-before every access in R.
 * </ol>
 *
 * Each forbidden outcome below contradicts both cases. {@code WaitsForReader}, {@code
 * ReaderWritesVisibleAfter} and {@code BothWays} forbid outcomes that a plain interleaving produces
 * once the grace period does not wait, so that bug shows on any hardware, provided the section overlaps the grace period: the
 * reader holds its section for a few microseconds between its two accesses ({@link
 * io.tracepoint4j.jcstress.gp.SectionHold}), about as long as a grace period, since a section of
 * nanoseconds almost never overlaps one and a grace period that skips waiting then passes. {@code
 * PublishesToLaterReader} forbids a reordering (message passing): it catches a missing barrier
 * between section entry and the reader's loads on weakly ordered hardware or under JIT reordering.
 *
 * <h2>The four patterns</h2>
 *
 * <pre>
 * pattern            reader, in one section        updater                    forbidden
 * WaitsForReader     r1 = x; r2 = y                x = 1; sync; y = 1         r1 = 0, r2 = 1
 * PublishesTo...     r1 = y; r2 = x                x = 1; sync; y = 1         r1 = 1, r2 = 0
 * ReaderWrites...    y = 1; x = 1                  r1 = y; sync; r2 = x       r1 = 1, r2 = 0
 * BothWays           r1 = y; x = 1                 y = 1; sync; r2 = x        r1 = 0, r2 = 0
 * </pre>
 *
 * <ul>
 *   <li><b>WaitsForReader</b> (the fundamental guarantee; oracle 1 of docs/design/grace-periods.md).
 *       {@code r2 = 1} reads the updater's write made after G ended, so the read was not in a section
 *       that ended before G ended: case 2, and then the read of {@code x} sees the write made before
 *       G, {@code r1 = 1}. Interleaving alone allows {@code (0, 1)}: the reader reads x, the updater
 *       runs entirely, the reader reads y.
 *   <li><b>PublishesToLaterReader</b> (writes before {@code synchronize()} are seen by readers that
 *       start after it; oracle 3 of the same note). As above, {@code r1 = 1} forces case 2, so
 *       {@code r2 = 1}. This is message passing: the section's entry orders the reader's two loads.
 *   <li><b>ReaderWritesVisibleAfter</b> (writes inside a reader are seen by the updater after the
 *       grace period; oracle 3). {@code r1 = 1} means the updater, before G, read a write made in R:
 *       R began before G, case 1, so the updater's read of {@code x} after G sees R's write, {@code
 *       r2 = 1}. Case 2 would have made {@code r1 = 0}.
 *   <li><b>BothWays</b>. Case 1 gives {@code r2 = 1}, case 2 gives {@code r1 = 1}; {@code (0, 0)}
 *       needs neither. Without a waiting grace period an interleaving produces it (the reader reads
 *       y, the updater runs whole, the reader writes x); with one, only a reordering could.
 * </ul>
 *
 * <h2>Variants</h2>
 *
 * Each pattern runs with {@code read()} (try-with-resources) and {@code synchronize()}, and with the
 * token API ({@code readLock()}/{@code readUnlock}) and {@code synchronizeExpedited()}; for {@code
 * Srcu} also with {@code downRead()}/{@code upRead(token)} (here on the same actor). The domain is
 * static, one per test class, created once per forked VM and never closed.
 *
 * <h2>Layout</h2>
 *
 * Each pattern is written once, as an abstract class in {@link io.tracepoint4j.jcstress.gp.Pattern}
 * carrying its outcomes; each variant once, as a {@link io.tracepoint4j.jcstress.gp.Variant} that
 * opens and closes the section and waits for the grace period. A test is a thin subclass of its
 * pattern, nested in {@code SrcuGracePeriodTest} or {@code ClassicRcuGracePeriodTest}, holding its
 * variant and domain in a static final field.
 */
package io.tracepoint4j.jcstress.gp;
