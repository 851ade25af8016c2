package io.jthin.engine.tools;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * Streams thin metadata as thin_dump prints it: XML byte for byte as 0.9.0 (dm-thin-format §8.1,
 * {@link XmlDumpPrinter}), its human-readable form ({@link #humanReadable}, {@link HumanDumpPrinter}),
 * or the same content as JSON ({@link #json}, {@link JsonDumpPrinter}).
 *
 * <p>Owns run grouping: mappings fed one at a time ({@link #mapping}) or as runs
 * ({@link #mappingRun}) merge while the virtual block is previous + 1, the data block is
 * previous + 1 and the time is equal, and each maximal run goes to the printer. Only the run being
 * grown is held, so a pool of any size streams in constant memory. Invariants enforced: events
 * follow the {@link ThinXmlVisitor} contract and, inside a device, virtual blocks strictly
 * increase (a metadata walk yields them so; an unsorted stream is a bug upstream).
 *
 * <p>The two {@code thin_dump} filters are built in: {@link #skipMappings()} (devices only,
 * {@code mapped_blocks} still printed) and {@link #onlyDevice(long)} ({@code --dev-id}: other
 * devices are dropped silently, the superblock is always printed). Not thread-safe.
 */
public final class ThinDumpWriter implements ThinXmlVisitor, Flushable, Closeable {

    private enum Position { BEFORE, SUPERBLOCK, DEVICE, DROPPED_DEVICE, AFTER }

    private final DumpPrinter out;
    private boolean skipMappings;
    private OptionalLong onlyDevice = OptionalLong.empty();
    private Position position = Position.BEFORE;

    /** True when {@code nextOrigin} holds the first virtual block a mapping may use. */
    private boolean anyMapping;
    private long nextOrigin;

    /** The run being grown; {@code runLength == 0} when none. */
    private long runOrigin;
    private long runData;
    private long runLength;
    private long runTime;

    /** Writes XML to {@code out}; the caller chooses the encoding (the output is ASCII unless a uuid is not). */
    public ThinDumpWriter(Writer out) {
        this(new XmlDumpPrinter(out));
    }

    private ThinDumpWriter(DumpPrinter out) {
        this.out = out;
    }

    /** Writes thin_dump's {@code --format human_readable} to {@code out} ({@link HumanDumpPrinter}). */
    public static ThinDumpWriter humanReadable(Writer out) {
        return new ThinDumpWriter(new HumanDumpPrinter(out));
    }

    /** Writes the dump to {@code out} as one line of JSON ({@link JsonDumpPrinter} has the shape). */
    public static ThinDumpWriter json(Writer out) {
        return new ThinDumpWriter(new JsonDumpPrinter(out));
    }

    /** Writes UTF-8 to {@code out}. */
    public ThinDumpWriter(OutputStream out) {
        this(new OutputStreamWriter(out, StandardCharsets.UTF_8));
    }

    /** {@code thin_dump --skip-mappings}: print devices without their mappings. Call before the superblock. */
    public ThinDumpWriter skipMappings() {
        requireNotStarted();
        skipMappings = true;
        return this;
    }

    /** {@code thin_dump --dev-id N}: print only that device. Call before the superblock. */
    public ThinDumpWriter onlyDevice(long devId) {
        requireNotStarted();
        ThinXml.requireU32("dev_id", devId);
        onlyDevice = OptionalLong.of(devId);
        return this;
    }

    @Override
    public void beginSuperblock(ThinXml.Superblock sb) throws IOException {
        expect(Position.BEFORE, "beginSuperblock");
        out.superblock(sb);
        position = Position.SUPERBLOCK;
    }

    @Override
    public void beginDevice(ThinXml.Device device) throws IOException {
        expect(Position.SUPERBLOCK, "beginDevice");
        anyMapping = false;
        if (onlyDevice.isPresent() && onlyDevice.getAsLong() != device.devId()) {
            position = Position.DROPPED_DEVICE;
            return;
        }
        out.beginDevice(device, !skipMappings);
        position = Position.DEVICE;
    }

    /** One mapping, virtual block {@code vblock} to data block {@code dataBlock} at {@code time}. */
    public void mapping(long vblock, long dataBlock, long time) throws IOException {
        mappingRun(vblock, dataBlock, 1, time);
    }

    /** The run's mappings, each as if fed to {@link #mapping}; {@code length == 0} is ignored. */
    @Override
    public void mappingRun(long originBegin, long dataBegin, long length, long time) throws IOException {
        if (position != Position.DEVICE) {
            if (position == Position.DROPPED_DEVICE) {
                return;
            }
            throw new IllegalStateException("mapping outside a device (at " + position + ")");
        }
        if (length == 0) {
            return;
        }
        if (anyMapping && Long.compareUnsigned(originBegin, nextOrigin) < 0) {
            throw new IllegalArgumentException("mappings out of order: virtual block "
                    + Long.toUnsignedString(originBegin) + " after " + Long.toUnsignedString(nextOrigin - 1));
        }
        if (time < 0 || time > ThinXml.U32_MAX) {
            throw new IllegalArgumentException("time must be a u32, got " + time);
        }
        anyMapping = true;
        nextOrigin = originBegin + length;
        if (skipMappings) {
            return;
        }
        if (runLength != 0 && originBegin == runOrigin + runLength && dataBegin == runData + runLength
                && time == runTime) {
            runLength += length;
            return;
        }
        flushRun();
        runOrigin = originBegin;
        runData = dataBegin;
        runLength = length;
        runTime = time;
    }

    @Override
    public void endDevice() throws IOException {
        if (position == Position.DROPPED_DEVICE) {
            position = Position.SUPERBLOCK;
            return;
        }
        expect(Position.DEVICE, "endDevice");
        flushRun();
        out.endDevice();
        position = Position.SUPERBLOCK;
    }

    @Override
    public void endSuperblock() throws IOException {
        expect(Position.SUPERBLOCK, "endSuperblock");
        position = Position.AFTER;
        out.endSuperblock();
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** Flushes and closes the underlying writer (a pending run is printed only by {@link #endDevice}). */
    @Override
    public void close() throws IOException {
        out.close();
    }

    private void flushRun() throws IOException {
        if (runLength == 0) {
            return;
        }
        out.run(runOrigin, runData, runLength, runTime);
        runLength = 0;
    }

    private void expect(Position wanted, String event) {
        if (position != wanted) {
            throw new IllegalStateException(event + " at " + position + ", expected " + wanted);
        }
    }

    private void requireNotStarted() {
        if (position != Position.BEFORE) {
            throw new IllegalStateException("filters must be set before the superblock");
        }
    }
}
