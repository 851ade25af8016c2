package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.ThinVolume;
import io.jthin.engine.tools.SizeParser;
import io.jthin.engine.tools.VolumeImage;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jthin thin export ID IMAGE}: a volume to a sparse raw image. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a thin device to a raw image.", "The image has the device's size; unmapped blocks become holes (sparse)."})
final class ThinExportCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Parameters(index = "0", paramLabel = "ID", converter = Converters.DeviceId.class, description = "Device id.")
    long id;

    @Parameters(index = "1", paramLabel = "IMAGE", description = "Image file to write.")
    Path image;

    @Option(names = "--force", description = "Replace an existing file.")
    boolean force;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        VolumeImage.Stats s;
        try (PoolDirectory pd = openPool(pool.dir()); ThinVolume v = pd.openVolume(id)) {
            ProgressBar bar = new ProgressBar(context());
            try {
                s = VolumeImage.exportImage(pd.pool(), v, image, force, bar);
            } finally {
                bar.finish();
            }
        }
        if (json) {
            printJson(ThinImportCommand.stats(s));
        } else {
            out().println("exported thin device " + id + " to " + image + " (" + SizeParser.format(s.bytes())
                    + ", sparse) in " + String.format("%.2f", s.elapsed().toNanos() / 1e9) + " s ("
                    + SizeParser.format((long) s.bytesPerSecond()) + "/s): " + SizeParser.format(s.writtenBytes())
                    + " of data written, the rest left as holes");
        }
        return JthinCommand.OK;
    }
}
