package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.ThinVolume;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jthin thin read ID --offset N --length L [--output FILE|-]}: reads bytes of a volume. */
@Command(name = "read", mixinStandardHelpOptions = true,
        description = {"Read bytes of a thin device.", "To a file or stdout; unmapped ranges read as zeros."})
final class ThinReadCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Parameters(index = "0", paramLabel = "ID", converter = Converters.DeviceId.class, description = "Device id.")
    long id;

    @Option(names = "--offset", required = true, paramLabel = "N", converter = Converters.Size.class,
            description = "Byte offset in the device.")
    long offset;

    @Option(names = "--length", required = true, paramLabel = "L", converter = Converters.Size.class,
            description = "Bytes to read.")
    long length;

    @Option(names = "--output", paramLabel = "FILE", defaultValue = "-", description = "Where to write; - for stdout (default).")
    String output;

    @Override
    public Integer call() throws IOException {
        try (PoolDirectory pd = openPool(pool.dir()); ThinVolume v = pd.openVolume(id)) {
            if (offset > v.size() || length > v.size() - offset) {
                throw new IllegalArgumentException("read of " + length + " bytes at offset " + offset
                        + " is past the end of thin device " + id + " (" + v.size() + " bytes)");
            }
            boolean toStdout = output.equals("-");
            OutputStream o = toStdout ? out() : Files.newOutputStream(Path.of(output));
            try {
                ByteBuffer buf = ByteBuffer.allocate(ThinWriteCommand.CHUNK);
                for (long done = 0; done < length; ) {
                    int n = (int) Math.min(buf.capacity(), length - done);
                    buf.clear().limit(n);
                    v.read(offset + done, buf);
                    o.write(buf.array(), 0, n);
                    done += n;
                }
                o.flush();
            } finally {
                if (!toStdout) {
                    o.close();
                }
            }
        }
        return JthinCommand.OK;
    }
}
