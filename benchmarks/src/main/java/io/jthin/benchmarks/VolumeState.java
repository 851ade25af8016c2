package io.jthin.benchmarks;

import io.jthin.engine.ThinVolume;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Shared {@code @State} of the I/O benchmarks: one pool per trial ({@link PoolFixture}) with a volume
 * of {@code blocks} 64 KiB blocks, all mapped and owned by the volume — {@code fresh} (provisioned
 * in random order into an empty pool) or {@code aged} (the newest device of a 16-deep snapshot chain
 * with copy-on-write and discards behind it: fragmented data, a mapping tree rebuilt by sharing) —
 * plus as many unmapped blocks after them. Benchmark threads share it (the pool is thread-safe).
 */
@State(Scope.Benchmark)
public class VolumeState {
    @Param({"null", "file"})
    public String device;

    @Param({"fresh", "aged"})
    public String pool;

    @Param("4096")
    public long blocks;

    PoolFixture fixture;
    ThinVolume volume;
    long devId;

    @Setup(Level.Trial)
    public void build() {
        long[] id = new long[1];
        fixture = PoolFixture.withVolume(PoolFixture.Kind.of(device), pool, blocks, id);
        devId = id[0];
        volume = fixture.pool.openVolume(devId, 2 * blocks * PoolFixture.BLOCK);
    }

    @TearDown(Level.Trial)
    public void close() {
        volume.close();
        fixture.close();
    }
}
