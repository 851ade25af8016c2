package io.jthin.loopfile;

import java.nio.ByteBuffer;

/**
 * A device of bytes addressed by offset: a sparse file, a block device, or memory in tests.
 *
 * <p>Invariants every implementation keeps:
 * <ul>
 *   <li>{@link #read} fills the whole buffer; bytes past {@link #size()} or in a hole read as zero.
 *   <li>{@link #write} writes the whole buffer; it may extend nothing: writing past {@link #size()}
 *       is an error (grow with {@link #resize} first).
 *   <li>A write is durable only after a later {@link #sync()} returns.
 *   <li>After {@link #punchHole} the range reads as zeros and no longer occupies storage; the size
 *       does not change.
 * </ul>
 * All methods are thread-safe; I/O errors are {@link DeviceIOException}s naming the device.
 */
public interface BlockDevice extends AutoCloseable {

    /** Reads {@code dst.remaining()} bytes at {@code offsetBytes} into {@code dst}. */
    void read(long offsetBytes, ByteBuffer dst);

    /** Writes {@code src.remaining()} bytes at {@code offsetBytes}. */
    void write(long offsetBytes, ByteBuffer src);

    /** Makes every completed write durable (fdatasync). */
    void sync();

    /** The device size in bytes. */
    long size();

    /** Grows or shrinks the device to {@code newSizeBytes} (a file is truncated or extended sparsely). */
    void resize(long newSizeBytes);

    /** Deallocates the range: it reads back as zeros afterwards; the size stays. */
    void punchHole(long offsetBytes, long lengthBytes);

    /**
     * True only when the range is known to read as zeros without reading it — a hole of a sparse
     * file, a never-written region — so that a caller about to zero it can skip that. False means
     * "unknown", never "not zero". Answered by {@link #zerosAt}: a device tells both by implementing that.
     */
    default boolean readsAsZeros(long offsetBytes, long lengthBytes) {
        return offsetBytes >= 0 && lengthBytes >= 0
                && (lengthBytes == 0 || zerosAt(offsetBytes, lengthBytes) >= lengthBytes);
    }

    /**
     * How many bytes from {@code offsetBytes} on, at most {@code limitBytes}, are known to read as
     * zeros without reading them: a sparse file's hole up to the next data (one
     * {@code lseek(SEEK_DATA)}), a never-written region. 0 when there is data at {@code offsetBytes}
     * or the device cannot tell (the default); like {@link #readsAsZeros}, a small answer is always
     * safe, a large one must be true.
     */
    default long zerosAt(long offsetBytes, long limitBytes) {
        return 0;
    }

    /**
     * Allocates storage for the range without changing what it reads ({@code fallocate} with
     * {@code FALLOC_FL_KEEP_SIZE}: a hole becomes an unwritten extent, which still reads as zeros).
     * A hint for speed, never needed for correctness: returns false, changing nothing, where the
     * device cannot (the default) or the file system refuses (no space, not supported).
     */
    default boolean reserve(long offsetBytes, long lengthBytes) {
        return false;
    }

    /**
     * True when reads and writes bypass the page cache ({@code O_DIRECT}). Such a device gains from
     * {@link #reserve}: on ext4 an O_DIRECT write into a hole takes the file's lock exclusively
     * (it allocates), into reserved storage it takes it shared, so concurrent writers run in parallel.
     */
    default boolean isDirect() {
        return false;
    }

    /** Bytes of storage really allocated (st_blocks × 512 for a file). */
    long allocatedBytes();

    /** A human-readable name for error messages (the path for a file). */
    String name();

    @Override
    void close();
}
