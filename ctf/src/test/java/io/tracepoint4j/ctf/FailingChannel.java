package io.tracepoint4j.ctf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A FileChannel over a real one that runs out of space: once {@link #budget} bytes are written, a
 * write writes what is left of the budget and the next one throws "No space left on device", as a
 * full disk does. Truncation can be made to fail too.
 */
final class FailingChannel extends FileChannel {
    private final FileChannel file;
    /** Bytes that may still be written; Long.MAX_VALUE for no limit. */
    long budget = Long.MAX_VALUE;

    boolean failTruncate;
    /** How many force() calls fail next (an I/O error at write-back), before they work again. */
    int forceFailures;
    /** The force() calls that worked. */
    int forced;

    FailingChannel(FileChannel file) {
        this.file = file;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        if (budget <= 0) {
            throw new IOException("No space left on device");
        }
        if (src.remaining() <= budget) {
            int n = file.write(src, position);
            budget -= n;
            return n;
        }
        ByteBuffer part = src.slice(src.position(), (int) budget);
        int n = file.write(part, position);
        src.position(src.position() + n);
        budget -= n;
        return n;
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        if (failTruncate) {
            throw new IOException("Input/output error");
        }
        file.truncate(size);
        return this;
    }

    @Override
    public long size() throws IOException {
        return file.size();
    }

    @Override
    public void force(boolean metaData) throws IOException {
        if (forceFailures > 0) {
            forceFailures--;
            throw new IOException("Input/output error");
        }
        file.force(metaData);
        forced++;
    }

    @Override
    protected void implCloseChannel() throws IOException {
        file.close();
    }

    @Override
    public int read(ByteBuffer dst) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int write(ByteBuffer src) {
        throw new UnsupportedOperationException("StreamFile writes at explicit positions");
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long position() {
        throw new UnsupportedOperationException();
    }

    @Override
    public FileChannel position(long newPosition) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int read(ByteBuffer dst, long position) {
        throw new UnsupportedOperationException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
        throw new UnsupportedOperationException();
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) {
        throw new UnsupportedOperationException();
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) {
        throw new UnsupportedOperationException();
    }
}
