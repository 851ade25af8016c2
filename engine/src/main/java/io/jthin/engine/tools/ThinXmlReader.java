package io.jthin.engine.tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Parses thin_dump XML (dm-thin-format §8.1) with the JDK's StAX and streams it to a
 * {@link ThinXmlVisitor}, so restore builds trees without holding the document. Accepts what
 * 0.9.0 {@code thin_dump} writes plus the tools-1.x sharing extension: {@code <def name="X">}
 * blocks of mappings directly inside {@code <superblock>}, and {@code <ref name="X"/>} inside a
 * device, which this reader expands into the def's mappings.
 *
 * <p>Leniencies kept from 0.9.0 {@code thin_restore}: unknown attributes and character data are
 * ignored; {@code flags} and {@code version} are optional (defaults {@link ThinXml#DEFAULT_FLAGS}
 * and {@link #defaultVersion(long)}); mappings need not be sorted; a zero-length range is
 * skipped; a leading {@code +} on a number is allowed. Stricter than 0.9.0 (which asserts,
 * wraps or crashes): a device inside a device, children of mapping elements, negative numbers
 * and ranges wrapping past 2^64 are errors. Every error is a {@link ThinXmlException} naming the
 * line. Data blocks are not checked against {@code nr_data_blocks}: that is restore's job
 * ({@code --nr-data-blocks} may override it). Not thread-safe; one reader may parse many documents.
 */
public final class ThinXmlReader {

    private enum Position { BEFORE, SUPERBLOCK, DEVICE, DEF, AFTER }

    private long defaultVersion = ThinXml.DEFAULT_VERSION;

    /** The {@code version} given to a superblock without one (default 1, as 0.9.0 {@code thin_restore}). */
    public ThinXmlReader defaultVersion(long version) {
        ThinXml.requireU32("version", version);
        this.defaultVersion = version;
        return this;
    }

    public void read(Path file, ThinXmlVisitor visitor) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            read(in, file.toString(), visitor);
        }
    }

    /** Reads a document; {@code source} names it in error messages (may be null). Does not close {@code in}. */
    public void read(InputStream in, String source, ThinXmlVisitor visitor) throws IOException {
        XMLStreamReader xml;
        try {
            xml = factory().createXMLStreamReader(in);
        } catch (XMLStreamException e) {
            throw malformed(source, e);
        }
        new Parse(xml, source, visitor).run();
    }

    /** Reads a document from characters; see {@link #read(InputStream, String, ThinXmlVisitor)}. */
    public void read(Reader in, String source, ThinXmlVisitor visitor) throws IOException {
        XMLStreamReader xml;
        try {
            xml = factory().createXMLStreamReader(in);
        } catch (XMLStreamException e) {
            throw malformed(source, e);
        }
        new Parse(xml, source, visitor).run();
    }

    private static XMLInputFactory factory() {
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, false);
        return f;
    }

    private static ThinXmlException malformed(String source, XMLStreamException e) {
        Location at = e.getLocation();
        String message = e.getMessage();
        int cut = message == null ? -1 : message.indexOf("\nMessage: ");
        String reason = "Parse error: " + (cut >= 0 ? message.substring(cut + 10) : message);
        return new ThinXmlException(source, at == null ? 0 : at.getLineNumber(),
                at == null ? 0 : at.getColumnNumber(), reason, e);
    }

    /** One document's parse: the position in the grammar, the devices seen, the defs. */
    private final class Parse {
        private final XMLStreamReader xml;
        private final String source;
        private final ThinXmlVisitor visitor;
        private final Set<Long> devices = new HashSet<>();
        private final Map<String, RunList> defs = new HashMap<>();
        private Position position = Position.BEFORE;
        private RunList openDef;
        /** Name of the open mapping or ref element: nothing may nest inside it. */
        private String openLeaf;

        Parse(XMLStreamReader xml, String source, ThinXmlVisitor visitor) {
            this.xml = xml;
            this.source = source;
            this.visitor = visitor;
        }

        void run() throws IOException {
            try {
                while (xml.hasNext()) {
                    int event = xml.next();
                    if (event == XMLStreamConstants.START_ELEMENT) {
                        start(xml.getLocalName());
                    } else if (event == XMLStreamConstants.END_ELEMENT) {
                        end(xml.getLocalName());
                    }
                }
                if (position != Position.AFTER) {
                    throw fail("missing superblock");
                }
            } catch (XMLStreamException e) {
                throw malformed(source, e);
            } catch (ThinXmlException e) {
                Location at = xml.getLocation();
                throw e.at(source, at.getLineNumber(), at.getColumnNumber());
            } finally {
                try {
                    xml.close();
                } catch (XMLStreamException ignored) {
                    // closing a StAX reader releases nothing we own
                }
            }
        }

        private void start(String tag) throws IOException {
            if (openLeaf != null) {
                throw fail("<" + tag + "> inside <" + openLeaf + ">: mapping and ref elements have no children");
            }
            switch (tag) {
                case "superblock" -> superblock();
                case "device" -> device();
                case "range_mapping", "single_mapping" -> mapping(tag);
                case "def" -> def();
                case "ref" -> ref();
                default -> throw fail("unknown tag type <" + tag + ">");
            }
        }

        private void end(String tag) throws IOException {
            switch (tag) {
                case "superblock" -> {
                    visitor.endSuperblock();
                    position = Position.AFTER;
                }
                case "device" -> {
                    visitor.endDevice();
                    position = Position.SUPERBLOCK;
                }
                case "def" -> {
                    openDef = null;
                    position = Position.SUPERBLOCK;
                }
                default -> openLeaf = null;
            }
        }

        private void superblock() throws IOException {
            if (position != Position.BEFORE) {
                throw fail("<superblock> inside <superblock>");
            }
            Attributes a = new Attributes("superblock");
            ThinXml.Superblock sb = new ThinXml.Superblock(a.text("uuid"), a.u64("time"),
                    a.u64("transaction"), a.optionalU32("flags", ThinXml.DEFAULT_FLAGS),
                    a.optionalU32("version", defaultVersion), a.u32("data_block_size"),
                    a.u64("nr_data_blocks"), a.optionalU64("metadata_snap"));
            position = Position.SUPERBLOCK;
            visitor.beginSuperblock(sb);
        }

        private void device() throws IOException {
            switch (position) {
                case BEFORE -> throw fail("missing superblock: <device> before <superblock>");
                case DEVICE -> throw fail("<device> inside <device>");
                case DEF -> throw fail("<device> inside <def>");
                default -> { }
            }
            Attributes a = new Attributes("device");
            ThinXml.Device d = new ThinXml.Device(a.u32("dev_id"), a.u64("mapped_blocks"),
                    a.u64("transaction"), a.u64("creation_time"), a.u64("snap_time"));
            if (!devices.add(d.devId())) {
                throw fail("Device already exists: dev_id " + d.devId());
            }
            position = Position.DEVICE;
            visitor.beginDevice(d);
        }

        private void mapping(String tag) throws IOException {
            if (position != Position.DEVICE && position != Position.DEF) {
                throw fail("not in device: <" + tag + "> must be inside a <device> or <def>");
            }
            Attributes a = new Attributes(tag);
            long origin;
            long data;
            long length;
            if (tag.equals("single_mapping")) {
                origin = a.u64("origin_block");
                data = a.u64("data_block");
                length = 1;
            } else {
                origin = a.u64("origin_begin");
                data = a.u64("data_begin");
                length = a.u64("length");
            }
            long time = a.u32("time");
            openLeaf = tag;
            if (length == 0) {
                return;
            }
            if (Long.compareUnsigned(origin + length - 1, origin) < 0
                    || Long.compareUnsigned(data + length - 1, data) < 0) {
                throw fail("<" + tag + "> runs past block 2^64 - 1");
            }
            if (position == Position.DEF) {
                openDef.add(origin, data, length, time);
            } else {
                visitor.mappingRun(origin, data, length, time);
            }
        }

        private void def() throws ThinXmlException {
            if (position != Position.SUPERBLOCK) {
                throw fail("<def> must be directly inside <superblock>, found at " + where());
            }
            String name = new Attributes("def").text("name");
            if (defs.containsKey(name)) {
                throw fail("def \"" + name + "\" already defined");
            }
            openDef = new RunList();
            defs.put(name, openDef);
            position = Position.DEF;
        }

        private void ref() throws IOException {
            if (position != Position.DEVICE) {
                throw fail("<ref> must be inside a <device>, found at " + where());
            }
            String name = new Attributes("ref").text("name");
            RunList runs = defs.get(name);
            if (runs == null) {
                throw fail("ref to unknown def \"" + name + "\"");
            }
            openLeaf = "ref";
            runs.replay(visitor);
        }

        private String where() {
            return switch (position) {
                case BEFORE -> "top level";
                case SUPERBLOCK -> "<superblock>";
                case DEVICE -> "<device>";
                case DEF -> "<def>";
                case AFTER -> "end of document";
            };
        }

        private ThinXmlException fail(String reason) {
            Location at = xml.getLocation();
            return new ThinXmlException(source, at.getLineNumber(), at.getColumnNumber(), reason, null);
        }

        /** The current start tag's attributes, looked up by name; unknown names are ignored. */
        private final class Attributes {
            private final String tag;

            Attributes(String tag) {
                this.tag = tag;
            }

            String text(String name) throws ThinXmlException {
                String v = xml.getAttributeValue(null, name);
                if (v == null) {
                    throw fail("could not find attribute: " + name + " (in <" + tag + ">)");
                }
                return v;
            }

            long u64(String name) throws ThinXmlException {
                return number(name, text(name), false);
            }

            long u32(String name) throws ThinXmlException {
                return number(name, text(name), true);
            }

            long optionalU32(String name, long absent) throws ThinXmlException {
                String v = xml.getAttributeValue(null, name);
                return v == null ? absent : number(name, v, true);
            }

            OptionalLong optionalU64(String name) throws ThinXmlException {
                String v = xml.getAttributeValue(null, name);
                return v == null ? OptionalLong.empty() : OptionalLong.of(number(name, v, false));
            }

            /** Unsigned decimal, optional leading '+', as boost::lexical_cast accepts (minus the '-' wrap). */
            private long number(String name, String text, boolean u32) throws ThinXmlException {
                int start = text.startsWith("+") ? 1 : 0;
                boolean digits = text.length() > start;
                for (int i = start; i < text.length() && digits; i++) {
                    char c = text.charAt(i);
                    digits = c >= '0' && c <= '9';
                }
                long value = 0;
                boolean fits = false;
                if (digits) {
                    try {
                        value = Long.parseUnsignedLong(text, start, text.length(), 10);
                        fits = !u32 || (value >= 0 && value <= ThinXml.U32_MAX);
                    } catch (NumberFormatException tooBig) {
                        fits = false;
                    }
                }
                if (!digits || !fits) {
                    throw fail("bad lexical cast: " + name + "=\"" + text + "\" in <" + tag + "> is not "
                            + (u32 ? "an unsigned 32-bit" : "an unsigned 64-bit") + " decimal number");
                }
                return value;
            }
        }
    }

    /** The runs of one {@code <def>}, packed four longs a run, replayed at each {@code <ref>}. */
    private static final class RunList {
        private long[] runs = new long[64];
        private int size;

        void add(long origin, long data, long length, long time) {
            if (size + 4 > runs.length) {
                runs = Arrays.copyOf(runs, runs.length * 2);
            }
            runs[size++] = origin;
            runs[size++] = data;
            runs[size++] = length;
            runs[size++] = time;
        }

        void replay(ThinXmlVisitor visitor) throws IOException {
            for (int i = 0; i < size; i += 4) {
                visitor.mappingRun(runs[i], runs[i + 1], runs[i + 2], runs[i + 3]);
            }
        }
    }
}
