package io.jthin.engine.bench;

import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.BlockDevice;
import java.nio.ByteBuffer;

/**
 * What a {@link VolumeBench} drives: byte-addressed reads and writes of any thread, a flush, a size.
 * A thin volume is the subject; a plain {@link BlockDevice} (the raw file under the pool) is the
 * baseline that tells the engine's cost from the JVM's own I/O cost.
 */
public interface BenchTarget {
    void read(long offsetBytes, ByteBuffer dst);

    void write(long offsetBytes, ByteBuffer src);

    /** Makes completed writes durable (a thin volume: data sync + metadata commit). */
    void flush();

    long size();

    /** A thin volume as a target. */
    static BenchTarget of(ThinVolume v) {
        return new BenchTarget() {
            @Override
            public void read(long offsetBytes, ByteBuffer dst) {
                v.read(offsetBytes, dst);
            }

            @Override
            public void write(long offsetBytes, ByteBuffer src) {
                v.write(offsetBytes, src);
            }

            @Override
            public void flush() {
                v.flush();
            }

            @Override
            public long size() {
                return v.size();
            }
        };
    }

    /** A block device (a raw file) as a target. */
    static BenchTarget of(BlockDevice d) {
        return new BenchTarget() {
            @Override
            public void read(long offsetBytes, ByteBuffer dst) {
                d.read(offsetBytes, dst);
            }

            @Override
            public void write(long offsetBytes, ByteBuffer src) {
                d.write(offsetBytes, src);
            }

            @Override
            public void flush() {
                d.sync();
            }

            @Override
            public long size() {
                return d.size();
            }
        };
    }
}
