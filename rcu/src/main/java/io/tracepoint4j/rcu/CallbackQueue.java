package io.tracepoint4j.rcu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The callbacks a domain's {@code call()} queued and its callback thread has not taken yet: many
 * producers, one consumer that takes everything at once, in the order queued.
 */
final class CallbackQueue {
    /*
     * Overview: a Treiber stack. enqueue() pushes with a CAS; takeAll() swaps the head for null and
     * reverses the taken chain, which turns push order (newest first) into call order. The domain's
     * close() seals an empty queue by swapping null for the SEALED sentinel, so that a call()
     * racing with close() either is queued before it (and close() refuses) or is refused after it.
     * Linearizable: enqueue, takeAll, seal and unseal at their successful CAS.
     *
     * Concurrency: enqueue is lock-free; takeAll and isEmpty may run on any thread, but the domain
     * calls takeAll from its single callback task only, so callbacks run in call order.
     *
     * Memory ordering:
     *   [Q1] the push CAS releases the node (callback and link) and everything the caller did before
     *        call(); pairs with [Q2], the CAS in takeAll: a callback's caller happens-before
     *        the grace period the callback thread starts after taking it.
     *   [Q3] isEmpty is an acquire read used for Dekker-style wake-up checks with the task flag.
     */

    /** A queued callback; after takeAll, a FIFO chain through {@link #next}. */
    static final class Node {
        final Runnable callback;
        Node next;

        Node(Runnable callback) {
            this.callback = callback;
        }
    }

    /** The head of a sealed queue: nothing can be queued. */
    private static final Node SEALED = new Node(new Runnable() {
        @Override
        public void run() {}
    });

    @SuppressWarnings("unused") // accessed through HEAD
    private volatile Node head; // [Q1]/[Q2] newest first

    /** Queues {@code callback}; false, queuing nothing, if the queue is sealed. */
    boolean enqueue(Runnable callback) {
        Node node = new Node(callback);
        Node h;
        do {
            h = headAcquire(); // [Q1] re-read until the CAS below wins
            if (h == SEALED) {
                return false;
            }
            node.next = h;
        } while (!casHead(h, node)); // [Q1] publishes node; pairs with [Q2]
        return true;
    }

    /** Takes every queued callback, oldest first; null when none. */
    Node takeAll() {
        Node newestFirst;
        do {
            newestFirst = headAcquire(); // [Q2] re-read until the CAS below wins
            if (newestFirst == null || newestFirst == SEALED) {
                return null;
            }
        } while (!casHead(newestFirst, null)); // [Q2] pairs with [Q1]
        Node oldestFirst = null;
        while (newestFirst != null) {
            Node next = newestFirst.next;
            newestFirst.next = oldestFirst;
            oldestFirst = newestFirst;
            newestFirst = next;
        }
        return oldestFirst;
    }

    boolean isEmpty() {
        Node h = headAcquire(); // [Q3] pairs with [Q1]
        return h == null || h == SEALED;
    }

    /** Seals the queue if it is empty; whether it did. */
    boolean seal() {
        return casHead(null, SEALED); // [Q1] linearizes against enqueue
    }

    /** Undoes {@link #seal()}. */
    void unseal() {
        casHead(SEALED, null); // [Q1]; only the sealer calls it, so it cannot fail
    }

    boolean isSealed() {
        return headAcquire() == SEALED; // [Q3]
    }

    private Node headAcquire() {
        return (Node) HEAD.getAcquire(this);
    }

    private boolean casHead(Node expected, Node value) {
        return HEAD.compareAndSet(this, expected, value);
    }

    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(CallbackQueue.class, "head", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
