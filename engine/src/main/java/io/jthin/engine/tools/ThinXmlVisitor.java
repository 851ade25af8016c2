package io.jthin.engine.tools;

import java.io.IOException;

/**
 * The event stream of a thin metadata dump, in document order: one superblock holding devices
 * in turn, each holding its mapping runs. {@link ThinXmlReader} produces it from XML,
 * {@link ThinDumpWriter} turns it into XML, and restore (and the metadata walk) will consume or
 * produce it without ever holding a whole pool in memory.
 *
 * <p>Contract: {@code beginSuperblock} once, then any number of
 * {@code beginDevice (mappingRun)* endDevice}, then {@code endSuperblock}. Runs arrive as the
 * source holds them: a walk delivers them in increasing virtual block order, an XML file in file
 * order (0.9.0 {@code thin_restore} accepts unsorted and overlapping mappings; the later wins).
 * An implementation may reject an event by throwing {@link ThinXmlException#rejected(String)};
 * the reader then adds the line and column of the element that caused it.
 */
public interface ThinXmlVisitor {

    void beginSuperblock(ThinXml.Superblock superblock) throws IOException;

    void endSuperblock() throws IOException;

    void beginDevice(ThinXml.Device device) throws IOException;

    void endDevice() throws IOException;

    /**
     * Virtual blocks {@code originBegin + k} map to data blocks {@code dataBegin + k} at
     * {@code time}, for {@code 0 <= k < length}; {@code length >= 1} and the run does not wrap
     * (the values obey {@link ThinXml.MappingRun}'s invariants, passed unboxed for speed).
     */
    void mappingRun(long originBegin, long dataBegin, long length, long time) throws IOException;
}
