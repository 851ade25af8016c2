package io.jthin.loopfile;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A {@link BlockDevice} that forwards every call, the optional ones included, to another: the base
 * of wrappers that change one behaviour (a close the caller keeps for itself, a slow or gated call
 * in a test) and must pass on the rest — also what the wrapped device says about holes, reservation
 * and O_DIRECT, which a hand-written wrapper easily drops to the interface's defaults.
 */
public abstract class ForwardingBlockDevice implements BlockDevice {
    private final BlockDevice delegate;

    protected ForwardingBlockDevice(BlockDevice delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The wrapped device. */
    protected final BlockDevice delegate() {
        return delegate;
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) {
        delegate.read(offsetBytes, dst);
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src) {
        delegate.write(offsetBytes, src);
    }

    @Override
    public void sync() {
        delegate.sync();
    }

    @Override
    public long size() {
        return delegate.size();
    }

    @Override
    public void resize(long newSizeBytes) {
        delegate.resize(newSizeBytes);
    }

    @Override
    public void punchHole(long offsetBytes, long lengthBytes) {
        delegate.punchHole(offsetBytes, lengthBytes);
    }

    @Override
    public long zerosAt(long offsetBytes, long limitBytes) {
        return delegate.zerosAt(offsetBytes, limitBytes);
    }

    @Override
    public boolean reserve(long offsetBytes, long lengthBytes) {
        return delegate.reserve(offsetBytes, lengthBytes);
    }

    @Override
    public boolean isDirect() {
        return delegate.isDirect();
    }

    @Override
    public long allocatedBytes() {
        return delegate.allocatedBytes();
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
