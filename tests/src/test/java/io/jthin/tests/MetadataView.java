package io.jthin.tests;

import io.jthin.engine.ThinPool;
import io.jthin.engine.tools.ThinXml;
import io.jthin.engine.tools.ThinXmlReader;
import io.jthin.engine.tools.ThinXmlVisitor;
import io.jthin.snapshot.DeviceDetails;
import io.jthin.snapshot.MetadataVisitor;
import io.jthin.snapshot.Superblock;
import java.io.IOException;
import java.io.StringReader;
import java.util.Map;
import java.util.TreeMap;

/**
 * A plain value of what a pool's metadata says (superblock figures, devices, mappings), built
 * either from the pool's own walk or from parsed {@code thin_dump} XML, so the two can be compared
 * with {@code equals}.
 */
record MetadataView(long time, long transaction, long nrDataBlocks, Map<Long, Device> devices) {

    record Device(long mappedBlocks, long transaction, long creationTime, long snapTime, Map<Long, Long> mappings) {
    }

    /** The pool's own view (a walk of its live metadata). */
    static MetadataView of(ThinPool pool) {
        long[] sbFields = new long[3];
        Map<Long, Device> devices = new TreeMap<>();
        pool.accept(new MetadataVisitor() {
            Map<Long, Long> current;

            @Override
            public void superblock(Superblock sb, long nrDataBlocks) {
                sbFields[0] = sb.time;
                sbFields[1] = sb.transactionId;
                sbFields[2] = nrDataBlocks;
            }

            @Override
            public boolean device(long devId, DeviceDetails d) {
                current = new TreeMap<>();
                devices.put(devId, new Device(d.mappedBlocks(), d.transactionId(), d.creationTime(),
                        d.snapshottedTime(), current));
                return true;
            }

            @Override
            public void mapping(long devId, long virtualBlock, long dataBlock, long time) {
                current.put(virtualBlock, dataBlock << 24 | time);
            }
        }, false, null);
        return new MetadataView(sbFields[0], sbFields[1], sbFields[2], devices);
    }

    /** The view of a thin_dump XML text. */
    static MetadataView parse(String xml) throws IOException {
        long[] sbFields = new long[3];
        Map<Long, Device> devices = new TreeMap<>();
        new ThinXmlReader().read(new StringReader(xml), "thin_dump output", new ThinXmlVisitor() {
            Map<Long, Long> current;

            @Override
            public void beginSuperblock(ThinXml.Superblock s) {
                sbFields[0] = s.time();
                sbFields[1] = s.transaction();
                sbFields[2] = s.nrDataBlocks();
            }

            @Override
            public void endSuperblock() {
            }

            @Override
            public void beginDevice(ThinXml.Device d) {
                current = new TreeMap<>();
                devices.put(d.devId(), new Device(d.mappedBlocks(), d.transaction(), d.creationTime(), d.snapTime(),
                        current));
            }

            @Override
            public void endDevice() {
            }

            @Override
            public void mappingRun(long originBegin, long dataBegin, long length, long time) {
                for (long k = 0; k < length; k++) {
                    current.put(originBegin + k, (dataBegin + k) << 24 | time);
                }
            }
        });
        return new MetadataView(sbFields[0], sbFields[1], sbFields[2], devices);
    }
}
