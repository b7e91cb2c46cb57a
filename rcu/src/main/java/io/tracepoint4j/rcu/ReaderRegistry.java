package io.tracepoint4j.rcu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The per-thread reader records of one domain: found through a {@link ThreadLocal} on the read side,
 * enumerated by the grace-period side. Threads register on first use and are forgotten after they end.
 */
final class ReaderRegistry<R extends ReaderRegistry.Record> {
    /*
     * Overview: a thread's first read creates its record and pushes it onto a lock-free stack of new
     * records (Treiber push). The grace-period side, and only it (it holds the domain's grace-period
     * lock), moves new records into its private list and prunes records of threads that ended.
     * Readers never touch the list, so registration is the only read-side write to shared state.
     *
     * Concurrency: push is lock-free (many threads); records(), pruneEnded() are single-threaded
     * under the caller's grace-period lock, as is every access to `known`.
     *
     * Memory ordering:
     *   [R1] the push CAS releases the record's initialized fields and pairs with [R2], the
     *        getAndSet that takes the stack, so the grace-period side sees complete records.
     *   A record pushed after a grace period's records() call belongs to a thread whose first read
     *   began after that point; the domain's heavy barrier argument (see GracePeriodEngine) covers it.
     *
     * Invariants: a record is in exactly one of the stack or `known`, once; records of ended threads
     * are handed to the retire callback exactly once, by pruneEnded().
     *
     * Failure modes: a thread that never ends keeps its record; ended threads' records are pruned at
     * grace periods and, when no grace period runs, by the housekeeping hook every few thousand
     * registrations, so short-lived (virtual) threads do not accumulate.
     */

    /** A thread's reader state; subclasses add the flavor's counters. */
    abstract static class Record {
        final Thread owner;
        /** Link in the stack of new records; written before publication, then never. */
        Record nextNew;

        Record(Thread owner) {
            this.owner = owner;
        }
    }

    private static final int HOUSEKEEPING_INTERVAL = 4096;

    private final ThreadLocal<R> records = new ThreadLocal<>();
    private final Function<Thread, R> factory;
    private final Runnable housekeeping;

    @SuppressWarnings("unused") // accessed through NEW_RECORDS
    private volatile Record newRecords; // [R1]/[R2] Treiber stack head

    @SuppressWarnings("unused") // accessed through REGISTRATIONS
    private volatile int registrations; // [R3] counts registrations for housekeeping

    /** Records moved off the stack; grace-period side only. */
    private final List<R> known = new ArrayList<>();

    ReaderRegistry(Function<Thread, R> factory, Runnable housekeeping) {
        this.factory = factory;
        this.housekeeping = housekeeping;
    }

    /** The calling thread's record, registering the thread on its first use. */
    R current() {
        R record = records.get();
        return record != null ? record : registerSlow();
    }

    /** The calling thread's record, or null if the thread never used this domain. */
    R currentIfRegistered() {
        return records.get();
    }

    private R registerSlow() {
        R record = factory.apply(Thread.currentThread());
        Record head;
        do {
            head = newRecordsAcquire(); // [R1] re-read until the CAS below wins
            record.nextNew = head;
        } while (!casNewRecords(head, record)); // [R1] publishes the record; pairs with [R2]
        records.set(record);
        if ((getAndIncrementRegistrations() & (HOUSEKEEPING_INTERVAL - 1)) == HOUSEKEEPING_INTERVAL - 1) { // [R3]
            housekeeping.run();
        }
        return record;
    }

    /** Every known record, new ones included. Caller holds the grace-period lock. */
    @SuppressWarnings("unchecked")
    List<R> records() {
        if (newRecordsAcquire() == null) { // [R2] nothing new: no atomic swap on every scan
            return known;
        }
        Record taken = getAndSetNewRecords(null); // [R2] takes the stack; pairs with [R1]
        if (taken != null) {
            int start = known.size();
            for (Record r = taken; r != null; r = r.nextNew) {
                known.add((R) r);
            }
            // oldest first, for stable reports
            java.util.Collections.reverse(known.subList(start, known.size()));
        }
        return known;
    }

    /**
     * Removes the records of threads that ended, handing each to {@code retire}. Caller holds the
     * grace-period lock. {@link Thread#isAlive()} returning false orders everything the ended thread
     * did before this call (JLS 17.4.4), so its record may be read with plain loads.
     */
    int pruneEnded(Consumer<R> retire) {
        List<R> all = records();
        int before = all.size();
        all.removeIf(r -> {
            if (r.owner.isAlive()) {
                return false;
            }
            retire.accept(r);
            return true;
        });
        return before - all.size();
    }

    private Record newRecordsAcquire() {
        return (Record) NEW_RECORDS.getAcquire(this);
    }

    private boolean casNewRecords(Record expected, Record value) {
        return NEW_RECORDS.compareAndSet(this, expected, value);
    }

    private Record getAndSetNewRecords(Record value) {
        return (Record) NEW_RECORDS.getAndSet(this, value);
    }

    private int getAndIncrementRegistrations() {
        return (int) REGISTRATIONS.getAndAdd(this, 1);
    }

    private static final VarHandle NEW_RECORDS;
    private static final VarHandle REGISTRATIONS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            NEW_RECORDS = lookup.findVarHandle(ReaderRegistry.class, "newRecords", Record.class);
            REGISTRATIONS = lookup.findVarHandle(ReaderRegistry.class, "registrations", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
