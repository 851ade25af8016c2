package io.jthin.engine.tools;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A seeded random pool as plain data, and its thin XML written by hand (not by the code under
 * test) in a deliberately non-canonical shape: maximal runs are cut into random pieces, some
 * pieces are {@code range_mapping length="1"}, a few zero-length ranges are sprinkled in, so
 * {@code thin_dump} of the restored file must regroup them. Shapes covered: singles, long
 * ranges, neighbours that differ only in time, data contiguous across a virtual gap, snapshots
 * sharing most blocks with their origin, a device mapping one data block twice, empty devices.
 */
final class GeneratedPool {

    /** One device: details and mappings sorted by virtual block. */
    record Dev(long id, long transaction, long creationTime, long snapTime, long[] vblocks, long[] data,
               long[] times) {
        int size() {
            return vblocks.length;
        }

        /** Maximal runs (vblock+1, data+1, equal time) as thin_dump groups them. */
        List<ThinXml.MappingRun> runs() {
            List<ThinXml.MappingRun> runs = new ArrayList<>();
            int i = 0;
            while (i < vblocks.length) {
                int j = i + 1;
                while (j < vblocks.length && vblocks[j] == vblocks[j - 1] + 1 && data[j] == data[j - 1] + 1
                        && times[j] == times[i]) {
                    j++;
                }
                runs.add(new ThinXml.MappingRun(vblocks[i], data[i], j - i, times[i]));
                i = j;
            }
            return runs;
        }
    }

    final long seed;
    final long time;
    final long transaction;
    final long dataBlockSize;
    final long nrDataBlocks;
    final List<Dev> devices;

    private GeneratedPool(long seed, long time, long transaction, long dataBlockSize, long nrDataBlocks,
                          List<Dev> devices) {
        this.seed = seed;
        this.time = time;
        this.transaction = transaction;
        this.dataBlockSize = dataBlockSize;
        this.nrDataBlocks = nrDataBlocks;
        this.devices = devices;
    }

    ThinXml.Superblock superblock() {
        return ThinXml.Superblock.of(time, transaction, 0, 2, dataBlockSize, nrDataBlocks);
    }

    Dev device(long id) {
        return devices.stream().filter(d -> d.id() == id).findFirst().orElseThrow();
    }

    /** A pool of up to {@code maxMappings} mappings in total. */
    static GeneratedPool generate(long seed, int maxMappings) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] blockSizes = {128, 256, 1024, 8192, 65536, 2097152};
        long dataBlockSize = blockSizes[rnd.nextInt(blockSizes.length)];
        long nrDataBlocks = 2L * maxMappings + rnd.nextInt(5000) + 64;
        long poolTime = 5 + rnd.nextInt(200);
        long[] nextData = {rnd.nextInt(50)};

        int nrDevices = 1 + rnd.nextInt(9);
        TreeSet<Long> ids = new TreeSet<>();
        while (ids.size() < nrDevices) {
            ids.add(rnd.nextInt(4) == 0 ? (long) rnd.nextInt(8) : (long) rnd.nextInt(1 << 24));
        }
        List<TreeMap<Long, long[]>> maps = new ArrayList<>();
        int budget = maxMappings;
        List<Dev> devices = new ArrayList<>();
        for (long id : ids) {
            TreeMap<Long, long[]> m;
            int shape = rnd.nextInt(10);
            if (shape == 0 || budget <= 0) {
                m = new TreeMap<>();
            } else if (shape <= 4 && !maps.isEmpty()) {
                m = snapshotOf(maps.get(rnd.nextInt(maps.size())), rnd, nextData, nrDataBlocks, poolTime,
                        Math.min(budget, maxMappings / 3));
            } else if (shape == 8) {
                m = scattered(rnd, nextData, nrDataBlocks, poolTime, Math.min(budget, maxMappings / 4));
            } else {
                m = fresh(rnd, nextData, nrDataBlocks, poolTime, Math.min(budget, maxMappings / 3));
            }
            if (shape == 9 && m.size() >= 2) {
                // one data block mapped twice inside one device: thin_ls counts it as shared
                long v = m.firstKey();
                long[] other = m.lastEntry().getValue();
                m.put(v, new long[] {other[0], other[1]});
            }
            budget -= m.size();
            maps.add(m);
            long created = rnd.nextInt((int) poolTime + 1);
            devices.add(toDev(id, rnd.nextInt(1000), created, created + rnd.nextInt((int) (poolTime - created) + 1), m));
        }
        return new GeneratedPool(seed, poolTime, rnd.nextInt(100_000), dataBlockSize, nrDataBlocks, List.copyOf(devices));
    }

    private static Dev toDev(long id, long transaction, long creation, long snap, TreeMap<Long, long[]> m) {
        long[] v = new long[m.size()];
        long[] d = new long[m.size()];
        long[] t = new long[m.size()];
        int i = 0;
        for (Map.Entry<Long, long[]> e : m.entrySet()) {
            v[i] = e.getKey();
            d[i] = e.getValue()[0];
            t[i] = e.getValue()[1];
            i++;
        }
        return new Dev(id, transaction, creation, snap, v, d, t);
    }

    private static TreeMap<Long, long[]> fresh(SplittableRandom rnd, long[] nextData, long nrData, long poolTime,
                                               int budget) {
        TreeMap<Long, long[]> m = new TreeMap<>();
        long vblock = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(1000);
        int extents = 1 + rnd.nextInt(40);
        for (int e = 0; e < extents && m.size() < budget; e++) {
            int len = switch (rnd.nextInt(5)) {
                case 0 -> 1;
                case 1 -> 2 + rnd.nextInt(3);
                case 2 -> 5 + rnd.nextInt(60);
                case 3 -> 100 + rnd.nextInt(1500);
                default -> 1 + rnd.nextInt(20);
            };
            len = Math.min(len, budget - m.size());
            long t = rnd.nextInt(4) == 0 ? rnd.nextInt((int) poolTime + 1) : 0;
            for (int k = 0; k < len && nextData[0] < nrData; k++) {
                if (k > 0 && rnd.nextInt(50) == 0) {
                    t = (t + 1) % (poolTime + 1); // same data continuity, new time: must not merge
                }
                m.put(vblock + k, new long[] {nextData[0]++, t});
            }
            vblock += len + (rnd.nextInt(3) == 0 ? 0 : 1 + rnd.nextInt(rnd.nextBoolean() ? 5 : 100_000));
            if (rnd.nextInt(3) == 0) {
                nextData[0] += rnd.nextInt(10); // hole in the data device
            }
        }
        return m;
    }

    /** Many lone mappings: every one its own single_mapping, enough to need a two-level tree. */
    private static TreeMap<Long, long[]> scattered(SplittableRandom rnd, long[] nextData, long nrData, long poolTime,
                                                   int budget) {
        TreeMap<Long, long[]> m = new TreeMap<>();
        int n = Math.min(budget, 300 + rnd.nextInt(1500));
        long vblock = rnd.nextInt(10);
        for (int k = 0; k < n && nextData[0] < nrData; k++) {
            m.put(vblock, new long[] {nextData[0], rnd.nextInt((int) poolTime + 1)});
            vblock += 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 5000);
            nextData[0] += 1 + rnd.nextInt(2);
        }
        return m;
    }

    private static TreeMap<Long, long[]> snapshotOf(TreeMap<Long, long[]> origin, SplittableRandom rnd,
                                                    long[] nextData, long nrData, long poolTime, int budget) {
        TreeMap<Long, long[]> m = new TreeMap<>();
        for (Map.Entry<Long, long[]> e : origin.entrySet()) {
            if (m.size() >= budget) {
                break;
            }
            m.put(e.getKey(), e.getValue().clone());
        }
        if (m.isEmpty()) {
            return m;
        }
        long first = m.firstKey();
        long last = m.lastKey();
        int edits = rnd.nextInt(12);
        for (int e = 0; e < edits; e++) {
            long at = first + (long) (rnd.nextDouble() * (last - first + 1));
            int len = 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 300);
            int what = rnd.nextInt(3);
            for (long v = at; v < at + len; v++) {
                if (what == 0) {
                    m.remove(v); // discarded in the snapshot
                } else if (nextData[0] < nrData && (m.containsKey(v) || what == 2) && m.size() < budget + len) {
                    m.put(v, new long[] {nextData[0]++, poolTime}); // broken sharing, or a new write
                }
            }
        }
        return m;
    }

    /** The pool a thin XML document describes (mappings expanded and sorted; the last one for a block wins). */
    static GeneratedPool parse(String xml) throws java.io.IOException {
        List<Dev> devices = new ArrayList<>();
        ThinXml.Superblock[] sb = new ThinXml.Superblock[1];
        new ThinXmlReader().read(new java.io.StringReader(xml), null, new ThinXmlVisitor() {
            private ThinXml.Device device;
            private TreeMap<Long, long[]> mappings;

            @Override
            public void beginSuperblock(ThinXml.Superblock superblock) {
                sb[0] = superblock;
            }

            @Override
            public void endSuperblock() {
            }

            @Override
            public void beginDevice(ThinXml.Device d) {
                device = d;
                mappings = new TreeMap<>();
            }

            @Override
            public void endDevice() {
                devices.add(toDev(device.devId(), device.transaction(), device.creationTime(), device.snapTime(),
                        mappings));
            }

            @Override
            public void mappingRun(long originBegin, long dataBegin, long length, long time) {
                for (long k = 0; k < length; k++) {
                    mappings.put(originBegin + k, new long[] {dataBegin + k, time});
                }
            }
        });
        devices.sort(java.util.Comparator.comparingLong(Dev::id));
        return new GeneratedPool(0, sb[0].time(), sb[0].transaction(), sb[0].dataBlockSize(), sb[0].nrDataBlocks(),
                List.copyOf(devices));
    }

    /** The pool as thin XML in a non-canonical but valid shape. */
    String xml() {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        StringBuilder s = new StringBuilder();
        s.append("<superblock uuid=\"\" time=\"").append(time).append("\" transaction=\"").append(transaction)
                .append("\" flags=\"0\" version=\"2\" data_block_size=\"").append(dataBlockSize)
                .append("\" nr_data_blocks=\"").append(nrDataBlocks).append("\">\n");
        for (Dev d : devices) {
            s.append("  <device dev_id=\"").append(d.id()).append("\" mapped_blocks=\"").append(d.size())
                    .append("\" transaction=\"").append(d.transaction()).append("\" creation_time=\"")
                    .append(d.creationTime()).append("\" snap_time=\"").append(d.snapTime()).append("\">\n");
            for (ThinXml.MappingRun run : d.runs()) {
                long done = 0;
                while (done < run.length()) {
                    long piece = rnd.nextInt(3) == 0 ? 1 + rnd.nextLong(run.length() - done) : run.length() - done;
                    long o = run.originBegin() + done;
                    long b = run.dataBegin() + done;
                    if (piece == 1 && rnd.nextInt(4) != 0) {
                        s.append("    <single_mapping origin_block=\"").append(o).append("\" data_block=\"")
                                .append(b).append("\" time=\"").append(run.time()).append("\"/>\n");
                    } else {
                        s.append("    <range_mapping origin_begin=\"").append(o).append("\" data_begin=\"")
                                .append(b).append("\" length=\"").append(piece).append("\" time=\"")
                                .append(run.time()).append("\"/>\n");
                    }
                    if (rnd.nextInt(200) == 0) {
                        s.append("    <range_mapping origin_begin=\"").append(o + piece)
                                .append("\" data_begin=\"7\" length=\"0\" time=\"0\"/>\n");
                    }
                    done += piece;
                }
            }
            s.append("  </device>\n");
        }
        return s.append("</superblock>\n").toString();
    }

    /** thin_ls's figures for every device, computed from the mappings by data-block use. */
    List<ThinLsReport.DeviceFigures> lsFigures() {
        DataBlockSharing sharing = new DataBlockSharing(nrDataBlocks);
        for (Dev d : devices) {
            for (long b : d.data()) {
                sharing.map(b);
            }
        }
        List<ThinLsReport.DeviceFigures> figures = new ArrayList<>();
        for (Dev d : devices) {
            long exclusive = 0;
            for (long b : d.data()) {
                exclusive += sharing.isExclusive(b) ? 1 : 0;
            }
            figures.add(new ThinLsReport.DeviceFigures(d.id(), d.size(), exclusive, d.transaction(),
                    d.creationTime(), d.snapTime()));
        }
        return figures;
    }

    /** Feeds a diff block by block, as a merged walk of the two devices would. */
    static void diffBlockByBlock(Dev left, Dev right, ThinDeltaWriter out) throws java.io.IOException {
        int i = 0;
        int j = 0;
        while (i < left.size() || j < right.size()) {
            long lv = i < left.size() ? left.vblocks()[i] : Long.MAX_VALUE;
            long rv = j < right.size() ? right.vblocks()[j] : Long.MAX_VALUE;
            if (lv < rv) {
                out.leftOnly(lv, left.data()[i++], 1);
            } else if (rv < lv) {
                out.rightOnly(rv, right.data()[j++], 1);
            } else {
                out.both(lv, left.data()[i++], right.data()[j++], 1);
            }
        }
    }

    /** The device's runs ignoring time (thin_delta's view), possibly cut at random points. */
    static Iterator<ThinXml.MappingRun> choppedRuns(Dev d, SplittableRandom rnd) {
        List<ThinXml.MappingRun> out = new ArrayList<>();
        for (ThinXml.MappingRun r : d.runs()) {
            long done = 0;
            while (done < r.length()) {
                long piece = rnd.nextBoolean() ? r.length() - done : 1 + rnd.nextLong(r.length() - done);
                out.add(new ThinXml.MappingRun(r.originBegin() + done, r.dataBegin() + done, piece, r.time()));
                done += piece;
            }
        }
        return out.iterator();
    }
}
