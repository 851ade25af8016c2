package io.jthin.allocator;

import io.jthin.loopfile.BlockDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A sparse {@link BlockDevice} in heap pages of 4 KiB (null page = zeros), for this module's tests
 * (loopfile's own memory device is being written in parallel). Resizing never copies data. Can be
 * loaded from and saved to a file so the real thin-provisioning-tools can check what the space maps
 * wrote. Thread-safe by synchronisation.
 */
final class RamDevice implements BlockDevice {
    private static final int PAGE = 4096;
    private byte[][] pages;
    private long size;
    private final String name;

    RamDevice(long sizeBytes) {
        this.size = sizeBytes;
        this.pages = new byte[pageCount(sizeBytes)][];
        this.name = "ram:" + sizeBytes;
    }

    private static int pageCount(long sizeBytes) {
        return Math.toIntExact((sizeBytes + PAGE - 1) / PAGE);
    }

    static RamDevice load(Path file) {
        try {
            byte[] all = Files.readAllBytes(file);
            RamDevice d = new RamDevice(all.length);
            d.write(0, ByteBuffer.wrap(all));
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    synchronized void saveTo(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.truncate(0);
            for (int p = 0; p < pages.length; p++) {
                if (pages[p] != null) {
                    ch.write(ByteBuffer.wrap(pages[p]), (long) p * PAGE);
                }
            }
            if (ch.size() < size) {
                ch.write(ByteBuffer.allocate(1), size - 1);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    synchronized byte[] bytes(long offset, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        read(offset, b);
        return b.array();
    }

    @Override
    public synchronized void read(long offsetBytes, ByteBuffer dst) {
        long off = offsetBytes;
        while (dst.hasRemaining()) {
            int p = (int) (off / PAGE);
            int in = (int) (off % PAGE);
            int n = Math.min(dst.remaining(), PAGE - in);
            if (off >= size || pages[p] == null) {
                for (int i = 0; i < n; i++) {
                    dst.put((byte) 0);
                }
            } else {
                dst.put(pages[p], in, n);
            }
            off += n;
        }
    }

    @Override
    public synchronized void write(long offsetBytes, ByteBuffer src) {
        if (offsetBytes + src.remaining() > size) {
            throw new IllegalArgumentException(name + ": write of " + src.remaining() + " bytes at " + offsetBytes
                    + " past the end (" + size + ")");
        }
        long off = offsetBytes;
        while (src.hasRemaining()) {
            int p = (int) (off / PAGE);
            int in = (int) (off % PAGE);
            int n = Math.min(src.remaining(), PAGE - in);
            if (pages[p] == null) {
                pages[p] = new byte[PAGE];
            }
            src.get(pages[p], in, n);
            off += n;
        }
    }

    @Override
    public void sync() {
    }

    @Override
    public synchronized long size() {
        return size;
    }

    @Override
    public synchronized void resize(long newSizeBytes) {
        pages = Arrays.copyOf(pages, pageCount(newSizeBytes));
        size = newSizeBytes;
    }

    @Override
    public synchronized void punchHole(long offsetBytes, long lengthBytes) {
        write(offsetBytes, ByteBuffer.allocate(Math.toIntExact(lengthBytes)));
    }

    @Override
    public synchronized long allocatedBytes() {
        long n = 0;
        for (byte[] p : pages) {
            n += p == null ? 0 : PAGE;
        }
        return n;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
    }
}
