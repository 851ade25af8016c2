package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.ThinVolume;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jthin thin write ID --offset N [--input FILE|-]}: writes a file (or stdin) into a volume.
 * The whole write is checked against the volume's size before a byte is written (stdin is first
 * spooled to a temporary file for that).
 */
@Command(name = "write", mixinStandardHelpOptions = true, description = "Write a file (or stdin) into a thin device.")
final class ThinWriteCommand extends JthinSubcommand {
    static final int CHUNK = 1 << 20;

    @Mixin
    PoolDirOption pool;

    @Parameters(index = "0", paramLabel = "ID", converter = Converters.DeviceId.class, description = "Device id.")
    long id;

    @Option(names = "--offset", required = true, paramLabel = "N", converter = Converters.Size.class,
            description = "Byte offset in the device (k, m, g units allowed).")
    long offset;

    @Option(names = "--input", paramLabel = "FILE", defaultValue = "-", description = "File to write; - for stdin (default).")
    String input;

    @Override
    public Integer call() throws IOException {
        Path src = input.equals("-") ? spool(context().in()) : Path.of(input);
        try {
            if (!Files.isRegularFile(src)) {
                throw new java.nio.file.NoSuchFileException(src.toString());
            }
            long length = Files.size(src);
            try (PoolDirectory pd = openPool(pool.dir()); ThinVolume v = pd.openVolume(id)) {
                if (offset > v.size() - length) {
                    throw new IllegalArgumentException("write of " + length + " bytes at offset " + offset
                            + " is past the end of thin device " + id + " (" + v.size() + " bytes); nothing written");
                }
                ByteBuffer buf = ByteBuffer.allocate(CHUNK);
                try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ)) {
                    long done = 0;
                    while (done < length) {
                        buf.clear();
                        int n = in.read(buf, done);
                        if (n < 0) {
                            break;
                        }
                        buf.flip();
                        v.write(offset + done, buf);
                        done += n;
                    }
                }
                v.flush();
            }
            out().println("wrote " + length + " bytes to thin device " + id + " at offset " + offset);
        } finally {
            if (input.equals("-")) {
                Files.deleteIfExists(src);
            }
        }
        return JthinCommand.OK;
    }

    private static Path spool(InputStream in) throws IOException {
        Path tmp = Files.createTempFile("jthin-write", ".spool");
        try {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return tmp;
    }
}
