package io.jthin.loopfile;

import java.nio.ByteBuffer;

/**
 * Small ByteBuffer helpers shared by the devices: zero-filling and argument checks.
 *
 * <p>Stateless and thread-safe (the shared zero array is never written).
 */
final class ByteBuffers {
    private static final byte[] ZEROS = new byte[64 * 1024];

    private ByteBuffers() {}

    /** Fills {@code dst}'s remaining bytes with zeros and advances its position to its limit. */
    static void fillZeros(ByteBuffer dst) {
        while (dst.hasRemaining()) {
            dst.put(ZEROS, 0, Math.min(dst.remaining(), ZEROS.length));
        }
    }

    /** Throws IllegalArgumentException naming the device if an offset or length is negative. */
    static void requireNonNegative(String device, String what, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(device + ": " + what + " must be >= 0, was " + value);
        }
    }

    /** Refuses an I/O range that ends past the device size, saying so with the numbers. */
    static void requireWithinSize(String device, String operation, long offsetBytes, long lengthBytes, long sizeBytes) {
        requireNonNegative(device, operation + " offset", offsetBytes);
        requireNonNegative(device, operation + " length", lengthBytes);
        if (offsetBytes > sizeBytes || lengthBytes > sizeBytes - offsetBytes) {
            throw new DeviceIOException(device + ": " + operation + " of " + lengthBytes + " bytes at byte " + offsetBytes
                    + " goes past the end of the device (" + sizeBytes + " bytes; resize it first)");
        }
    }
}
