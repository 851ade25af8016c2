package io.jthin.engine.tools;

import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;

/**
 * Raw disk images in and out of a thin volume, sparse both ways.
 *
 * <p>Import: the image is read in chunks (one data block, at most {@link #CHUNK} bytes); a chunk
 * of zeros is not written, so only non-zero blocks get allocated — unless the volume already maps
 * that block, in which case the block is discarded (whole block) or zeroed (part), so that the
 * volume reads back exactly as the image. Export: the image is created at the volume's size as a
 * sparse file and only mapped, non-zero data is written: unmapped blocks stay holes.
 *
 * <p>Both report progress through {@link Progress} (bytes done of bytes to do) and return
 * {@link Stats}. Stateless; the volume's own locking makes concurrent I/O on it safe.
 */
public final class VolumeImage {
    /** Largest piece read or written at once. */
    static final int CHUNK = 4 << 20;

    /** Called after each chunk; {@code done} grows to {@code total}. */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);

        Progress NONE = (d, t) -> { };
    }

    /**
     * What an import or export did.
     *
     * @param bytes         bytes of the image (import) or volume (export) covered
     * @param writtenBytes  bytes really written (non-zero data)
     * @param blocksWritten data blocks that received data (import) — the blocks it allocated at most
     * @param zeroSkipped   bytes of zeros not written
     * @param blocksDiscarded previously mapped blocks of the volume unmapped because the image has zeros there
     */
    public record Stats(long bytes, long writtenBytes, long blocksWritten, long zeroSkipped, long blocksDiscarded,
            Duration elapsed) {
        /** Bytes covered per second. */
        public double bytesPerSecond() {
            double s = Math.max(elapsed.toNanos(), 1) / 1e9;
            return bytes / s;
        }
    }

    private VolumeImage() {
    }

    /** Imports {@code image} into {@code volume} (device of {@code pool}) from its start. */
    public static Stats importImage(ThinPool pool, ThinVolume volume, Path image, Progress progress)
            throws IOException {
        long start = System.nanoTime();
        long size = Files.size(image);
        if (size > volume.size()) {
            throw new IllegalArgumentException(image + " is " + size + " bytes, larger than thin device "
                    + volume.deviceId() + " (" + volume.size() + " bytes)");
        }
        long blockBytes = pool.dataBlockBytes();
        // Read up to CHUNK at a time, in whole blocks when blocks are smaller; judge each block-sized piece.
        int piece = (int) Math.min(blockBytes, CHUNK);
        int chunk = blockBytes < CHUNK ? (int) (CHUNK / blockBytes * blockBytes) : CHUNK;
        ByteBuffer buf = ByteBuffer.allocate(chunk);
        byte[] zeros = new byte[piece];
        long written = 0;
        long blocks = 0;
        long skipped = 0;
        long discarded = 0;
        long lastBlock = -1;
        long nextMapped = pool.nextMappedBlock(volume.deviceId(), 0);
        try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
            for (long base = 0; base < size; base += chunk) {
                int n = (int) Math.min(chunk, size - base);
                buf.clear().limit(n);
                while (buf.hasRemaining()) {
                    if (in.read(buf, base + buf.position()) < 0) {
                        throw new IOException(image + ": shorter than its size (changed while reading?)");
                    }
                }
                for (int at = 0; at < n; at += piece) {
                    int len = Math.min(piece, n - at);
                    long off = base + at;
                    long vblock = off / blockBytes;
                    while (nextMapped >= 0 && nextMapped < vblock) {
                        nextMapped = pool.nextMappedBlock(volume.deviceId(), vblock);
                    }
                    if (!Arrays.equals(buf.array(), at, at + len, zeros, 0, len)) {
                        volume.write(off, ByteBuffer.wrap(buf.array(), at, len));
                        written += len;
                        if (vblock != lastBlock) {
                            blocks++;
                            lastBlock = vblock;
                        }
                    } else if (vblock == nextMapped || vblock == lastBlock) {
                        if (off % blockBytes == 0 && len == blockBytes) {
                            discarded += volume.discard(off, len);
                        } else {
                            volume.write(off, ByteBuffer.wrap(zeros, 0, len));
                        }
                    } else {
                        skipped += len;
                    }
                }
                progress.update(base + n, size);
            }
        }
        volume.flush();
        return new Stats(size, written, blocks, skipped, discarded, Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * Exports {@code volume} (device of {@code pool}) to a new sparse file {@code image} of the
     * volume's size.
     *
     * @param overwrite replace an existing file (else it is refused)
     */
    public static Stats exportImage(ThinPool pool, ThinVolume volume, Path image, boolean overwrite,
            Progress progress) throws IOException {
        long start = System.nanoTime();
        if (!overwrite && Files.exists(image)) {
            throw new FileAlreadyExistsException(image.toString(), null, "already exists (use --force to replace it)");
        }
        VolumeExtents map = VolumeExtents.of(MetadataWalk.of(pool), volume.deviceId(), volume.size(),
                pool.dataBlockBytes());
        long total = map.mappedBytes();
        long done = 0;
        long written = 0;
        long skipped = 0;
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(pool.dataBlockBytes(), 1)));
        byte[] zeros = new byte[buf.capacity()];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(0);
            f.setLength(volume.size());
            FileChannel out = f.getChannel();
            for (VolumeExtents.Extent e : map.extents()) {
                if (!e.mapped()) {
                    skipped += e.length();
                    continue;
                }
                for (long off = e.start(); off < e.start() + e.length(); off += buf.capacity()) {
                    int n = (int) Math.min(buf.capacity(), e.start() + e.length() - off);
                    buf.clear().limit(n);
                    volume.read(off, buf);
                    buf.flip();
                    if (Arrays.equals(buf.array(), 0, n, zeros, 0, n)) {
                        skipped += n;
                    } else {
                        while (buf.hasRemaining()) {
                            out.write(buf, off + buf.position());
                        }
                        written += n;
                    }
                    done += n;
                    progress.update(done, total);
                }
            }
            out.force(false);
        }
        return new Stats(volume.size(), written, 0, skipped, 0, Duration.ofNanos(System.nanoTime() - start));
    }
}
