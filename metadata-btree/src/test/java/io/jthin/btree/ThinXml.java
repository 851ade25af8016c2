package io.jthin.btree;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Test-only reader and writer of the thin_dump/thin_restore XML of dm-thin-format §8.1: devices
 * with their details and mappings (virtual block → data block, time). The writer groups runs the
 * way thin_dump does (consecutive virtual and data blocks with equal time form a range_mapping).
 */
final class ThinXml {
    private ThinXml() {
    }

    record Details(long mappedBlocks, long transactionId, int creationTime, int snapshottedTime) {
    }

    record Mapping(long dataBlock, int time) {
    }

    record Device(Details details, TreeMap<Long, Mapping> mappings) {
    }

    /** The superblock attributes written and the devices by id. */
    record Pool(long time, long transaction, long nrDataBlocks, TreeMap<Long, Device> devices) {
        long nrMappings() {
            return devices.values().stream().mapToLong(d -> d.mappings().size()).sum();
        }
    }

    static Pool parse(Path xml) throws IOException {
        try {
            Element sb = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile()).getDocumentElement();
            if (!sb.getTagName().equals("superblock")) {
                throw new IOException("not a superblock: " + sb.getTagName());
            }
            TreeMap<Long, Device> devices = new TreeMap<>();
            NodeList devs = sb.getElementsByTagName("device");
            for (int i = 0; i < devs.getLength(); i++) {
                Element d = (Element) devs.item(i);
                TreeMap<Long, Mapping> m = new TreeMap<>();
                NodeList kids = d.getChildNodes();
                for (int j = 0; j < kids.getLength(); j++) {
                    if (kids.item(j).getNodeType() != Node.ELEMENT_NODE) {
                        continue;
                    }
                    Element e = (Element) kids.item(j);
                    int time = (int) num(e, "time");
                    switch (e.getTagName()) {
                        case "range_mapping" -> {
                            long o = num(e, "origin_begin");
                            long db = num(e, "data_begin");
                            for (long k = 0; k < num(e, "length"); k++) {
                                m.put(o + k, new Mapping(db + k, time));
                            }
                        }
                        case "single_mapping" -> m.put(num(e, "origin_block"), new Mapping(num(e, "data_block"), time));
                        default -> throw new IOException("unknown element " + e.getTagName());
                    }
                }
                Details det = new Details(m.size(), num(d, "transaction"), (int) num(d, "creation_time"),
                        (int) num(d, "snap_time"));
                devices.put(num(d, "dev_id"), new Device(det, m));
            }
            return new Pool(num(sb, "time"), num(sb, "transaction"), num(sb, "nr_data_blocks"), devices);
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException e) {
            throw new IOException(e);
        }
    }

    private static long num(Element e, String attr) {
        return Long.parseLong(e.getAttribute(attr));
    }

    static String write(Pool pool) {
        StringBuilder sb = new StringBuilder();
        sb.append("<superblock uuid=\"\" time=\"").append(pool.time()).append("\" transaction=\"").append(pool.transaction())
                .append("\" flags=\"0\" version=\"2\" data_block_size=\"128\" nr_data_blocks=\"").append(pool.nrDataBlocks())
                .append("\">\n");
        for (Map.Entry<Long, Device> e : pool.devices().entrySet()) {
            Details d = e.getValue().details();
            sb.append("  <device dev_id=\"").append(e.getKey()).append("\" mapped_blocks=\"").append(d.mappedBlocks())
                    .append("\" transaction=\"").append(d.transactionId()).append("\" creation_time=\"")
                    .append(d.creationTime()).append("\" snap_time=\"").append(d.snapshottedTime()).append("\">\n");
            long runStart = -1;
            Mapping runFirst = null;
            long runLen = 0;
            for (Map.Entry<Long, Mapping> m : e.getValue().mappings().entrySet()) {
                Mapping v = m.getValue();
                if (runLen > 0 && m.getKey() == runStart + runLen && v.dataBlock() == runFirst.dataBlock() + runLen
                        && v.time() == runFirst.time()) {
                    runLen++;
                    continue;
                }
                emit(sb, runStart, runFirst, runLen);
                runStart = m.getKey();
                runFirst = v;
                runLen = 1;
            }
            emit(sb, runStart, runFirst, runLen);
            sb.append("  </device>\n");
        }
        sb.append("</superblock>\n");
        return sb.toString();
    }

    private static void emit(StringBuilder sb, long start, Mapping first, long len) {
        if (len == 1) {
            sb.append("    <single_mapping origin_block=\"").append(start).append("\" data_block=\"")
                    .append(first.dataBlock()).append("\" time=\"").append(first.time()).append("\"/>\n");
        } else if (len > 1) {
            sb.append("    <range_mapping origin_begin=\"").append(start).append("\" data_begin=\"")
                    .append(first.dataBlock()).append("\" length=\"").append(len).append("\" time=\"")
                    .append(first.time()).append("\"/>\n");
        }
    }
}
