package io.jthin.tests;

import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.DeviceIOException;
import io.jthin.loopfile.FaultInjectingBlockDevice;
import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * A power switch for crash tests: one write sequence over a pool's data and metadata devices, each a
 * {@link FaultInjectingBlockDevice} over a {@link MemoryBlockDevice} ("the disk"). At write index
 * {@code crashAt} the write is dropped, torn at a random 512-byte multiple, or lands whole, and the
 * power goes off for both devices at once: every write not yet synced, on either, is lost.
 * Single-threaded (the crash workloads run one operation at a time).
 */
final class PowerSwitch {
    private static final int SECTOR = CrashWorkload.SECTOR;

    /** What happens to the write at the crash point. */
    enum Fault { DROP, TEAR, SUCCEED }

    final FaultInjectingBlockDevice data;
    final FaultInjectingBlockDevice meta;
    final long crashAt;
    final Fault fault;
    final SplittableRandom rnd;
    long next;
    String fired;

    PowerSwitch(long crashAt, Fault fault, long seed) {
        this(crashAt, fault, seed, new MemoryBlockDevice("data", CrashWorkload.INITIAL_DATA_BLOCKS * CrashWorkload.BLOCK),
                new MemoryBlockDevice("metadata", CrashWorkload.INITIAL_META_BYTES));
    }

    /** A switch over existing disks (their content counts as durable). */
    PowerSwitch(long crashAt, Fault fault, long seed, MemoryBlockDevice dataDisk, MemoryBlockDevice metaDisk) {
        this.data = new FaultInjectingBlockDevice(dataDisk);
        this.meta = new FaultInjectingBlockDevice(metaDisk);
        this.crashAt = crashAt;
        this.fault = fault;
        this.rnd = new SplittableRandom(seed * 1_000_003 + crashAt);
    }

    boolean crashed() {
        return data.isCrashed() || meta.isCrashed();
    }

    BlockDevice plug(boolean isData) {
        return new Plug(this, isData ? data : meta, isData ? meta : data, isData ? "data" : "metadata");
    }

    /** A device as the pool sees it: counts writes in the switch's sequence and cuts power at its index. */
    private record Plug(PowerSwitch sw, FaultInjectingBlockDevice fi, FaultInjectingBlockDevice other, String what)
            implements BlockDevice {
        @Override
        public void write(long offsetBytes, ByteBuffer src) {
            long index = sw.next++;
            if (index == sw.crashAt) {
                int len = src.remaining();
                int keep = switch (sw.fault) {
                    case DROP -> 0;
                    case TEAR -> len > SECTOR ? SECTOR * (1 + sw.rnd.nextInt((len - 1) / SECTOR)) : 0;
                    case SUCCEED -> (len + SECTOR - 1) / SECTOR * SECTOR;
                };
                sw.fired = sw.fault + " write #" + index + " (" + what + ", " + len + " bytes at " + offsetBytes
                        + (sw.fault == Fault.TEAR ? ", kept " + keep : "") + ")";
                if (keep == 0) {
                    fi.failWriteAt(0);
                } else {
                    fi.tearWriteAt(0, keep);
                }
            }
            try {
                fi.write(offsetBytes, src);
            } catch (DeviceIOException e) {
                if (fi.isCrashed()) {
                    other.crash(); // one power cut for both devices
                }
                throw e;
            }
        }

        @Override
        public void read(long offsetBytes, ByteBuffer dst) {
            fi.read(offsetBytes, dst);
        }

        @Override
        public void sync() {
            fi.sync();
        }

        @Override
        public long size() {
            return fi.size();
        }

        @Override
        public void resize(long newSizeBytes) {
            fi.resize(newSizeBytes);
        }

        @Override
        public void punchHole(long offsetBytes, long lengthBytes) {
            fi.punchHole(offsetBytes, lengthBytes);
        }

        /** What a sparse file answers (SEEK_DATA on the current content), so the pool skips punching holes. */
        @Override
        public long zerosAt(long offsetBytes, long limitBytes) {
            return fi.isCrashed() ? 0 : fi.inner().zerosAt(offsetBytes, limitBytes);
        }

        @Override
        public long allocatedBytes() {
            return fi.allocatedBytes();
        }

        @Override
        public String name() {
            return fi.name();
        }

        @Override
        public void close() {
            fi.close();
        }
    }
}
