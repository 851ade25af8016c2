package io.jthin.engine.tools;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;

/**
 * How {@link ThinDumpWriter} prints a dump once it has filtered the devices and grouped the
 * mappings into maximal runs: thin_dump's XML ({@link XmlDumpPrinter}) or JSON
 * ({@link JsonDumpPrinter}).
 *
 * <p>Contract (ThinDumpWriter keeps it): {@code superblock}, then any number of
 * {@code beginDevice run* endDevice}, then {@code endSuperblock}; a run's length is at least 1;
 * {@code run} is not called for a device begun without mappings.
 */
interface DumpPrinter extends Flushable, Closeable {

    void superblock(ThinXml.Superblock sb) throws IOException;

    /** {@code withMappings} false: the device's mappings are left out ({@code --skip-mappings}). */
    void beginDevice(ThinXml.Device device, boolean withMappings) throws IOException;

    void run(long originBegin, long dataBegin, long length, long time) throws IOException;

    void endDevice() throws IOException;

    /** Ends the document and flushes it. */
    void endSuperblock() throws IOException;
}
