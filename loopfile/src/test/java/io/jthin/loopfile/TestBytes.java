package io.jthin.loopfile;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** Buffer helpers for loopfile's tests. Stateless. */
final class TestBytes {
    private TestBytes() {}

    static ByteBuffer filled(int length, int value) {
        byte[] a = new byte[length];
        Arrays.fill(a, (byte) value);
        return ByteBuffer.wrap(a);
    }

    static byte[] read(BlockDevice device, long offsetBytes, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        device.read(offsetBytes, b);
        if (b.hasRemaining()) {
            throw new AssertionError("read left " + b.remaining() + " bytes unfilled");
        }
        return b.array();
    }

    /** Index of the first byte not equal to {@code value}, or -1. */
    static int firstNot(byte[] bytes, int value) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != (byte) value) {
                return i;
            }
        }
        return -1;
    }
}
