package io.tracepoint4j.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The models of {@link ReadSideFloorBench}: classic RCU readers built up one piece at a time. They
 * are not the library's code but do, piece for piece, what {@code ClassicRcuEngine}'s read side
 * does, with the same memory modes (opaque entry store, release exit store, opaque loads of the
 * domain's phase and fence flag), so that C2 keeps the same order and reloads the same values.
 * They model cost only: no grace period ever waits for them.
 */
final class FloorReaders {
    /*
     * Invariants: as in Reader, create() never mentions a concrete class where the verifier would
     * load it, so a fork loads only its own model; each model keeps its word and domain in static
     * finals of its own class (constants to the JIT, created by the one fork that runs it).
     */

    private FloorReaders() {}

    /** A model for {@code flavor}, or else {@link Reader#create}'s reader. */
    static Reader create(String flavor, Published published) {
        Object reader; // not Reader: see Reader's note
        switch (flavor) {
            case "wordStores" -> reader = new WordStores(published);
            case "wordChecked" -> reader = new WordChecked(published);
            case "wordCheckedFenceFlag" -> reader = new WordCheckedFenceFlag(published);
            case "lookUpStores" -> reader = new LookUpStores(published);
            default -> reader = Reader.create(flavor, published);
        }
        return (Reader) reader;
    }

    /** 64 bytes in front of a word's fields, as the library pads its readers (ReaderRegistry.ReaderPadding). */
    @SuppressWarnings("unused") // padding only
    abstract static class WordPadding {
        private long pad0, pad1, pad2, pad3, pad4, pad5, pad6, pad7;
    }

    /** A reader word: nesting << 1 | phase, written by its thread only. */
    static final class Word extends WordPadding {
        final long ownerId;
        int ctr;

        Word(long ownerId) {
            this.ownerId = ownerId;
        }
    }

    /** The domain's read-side state: the phase word readers copy, the adaptive reader-fence flag. */
    static final class Domain {
        @SuppressWarnings("unused") // accessed through GP_CTR
        private int gpCtr = 2;

        @SuppressWarnings("unused") // accessed through READER_FENCE; never set: readers pay the check only
        private boolean readerFence;
    }

    /** Entry and exit stores only. */
    private static final class WordStores extends Reader {
        private static final Word WORD = new Word(0);
        private static final Domain DOMAIN = new Domain();

        WordStores(Published published) {
            super(published);
        }

        @Override
        long read() {
            CTR.setOpaque(WORD, (int) GP_CTR.getOpaque(DOMAIN)); // entry store, keeps the loads below it
            try {
                return published.current.value;
            } finally {
                CTR.setRelease(WORD, 0); // exit store, after the loads above
            }
        }
    }

    /** Plus the nesting checks. */
    private static final class WordChecked extends Reader {
        private static final Word WORD = new Word(0);
        private static final Domain DOMAIN = new Domain();

        WordChecked(Published published) {
            super(published);
        }

        @Override
        long read() {
            enter(WORD, DOMAIN, false);
            try {
                return published.current.value;
            } finally {
                exit(WORD);
            }
        }
    }

    /** Plus the adaptive reader-fence flag: everything but finding the word. */
    private static final class WordCheckedFenceFlag extends Reader {
        private static final Word WORD = new Word(0);
        private static final Domain DOMAIN = new Domain();

        WordCheckedFenceFlag(Published published) {
            super(published);
        }

        @Override
        long read() {
            enter(WORD, DOMAIN, true);
            try {
                return published.current.value;
            } finally {
                exit(WORD);
            }
        }
    }

    /** {@link WordStores} after finding the word as the library does. */
    private static final class LookUpStores extends Reader {
        private static final int SLOTS = 1024;
        private static final Word[] CACHE = new Word[SLOTS];
        private static final Domain DOMAIN = new Domain();

        LookUpStores(Published published) {
            super(published);
        }

        @Override
        long read() {
            Word word = lookUp();
            CTR.setOpaque(word, (int) GP_CTR.getOpaque(DOMAIN)); // entry store
            try {
                return published.current.value;
            } finally {
                CTR.setRelease(word, 0); // exit store
            }
        }

        private static Word lookUp() {
            long id = Thread.currentThread().threadId();
            Word cached = CACHE[(int) id & (SLOTS - 1)];
            return cached != null && cached.ownerId == id ? cached : register(id);
        }

        /** The first read of the benchmark thread; one thread only, so a plain store will do. */
        private static Word register(long id) {
            Word word = new Word(id);
            CACHE[(int) id & (SLOTS - 1)] = word;
            return word;
        }
    }

    private static void enter(Word word, Domain domain, boolean fenceFlag) {
        int gpCtr = (int) GP_CTR.getOpaque(domain);
        int c = word.ctr;
        if (c < 2) {
            CTR.setOpaque(word, gpCtr); // entry store
            if (fenceFlag && (boolean) READER_FENCE.getOpaque(domain)) {
                VarHandle.fullFence(); // never taken: the flag is never set
            }
        } else if ((c >>> 1) < 0xFFFF) {
            CTR.setOpaque(word, c + 2);
        } else {
            throw new IllegalStateException("nested too deep");
        }
    }

    private static void exit(Word word) {
        int c = word.ctr;
        if (c < 2) {
            throw new IllegalStateException("no section open");
        }
        CTR.setRelease(word, c - 2); // exit store
    }

    private static final VarHandle CTR;
    private static final VarHandle GP_CTR;
    private static final VarHandle READER_FENCE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            CTR = lookup.findVarHandle(Word.class, "ctr", int.class);
            GP_CTR = lookup.findVarHandle(Domain.class, "gpCtr", int.class);
            READER_FENCE = lookup.findVarHandle(Domain.class, "readerFence", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
