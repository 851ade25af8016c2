package io.jthin.engine.cli;

import com.google.gson.JsonObject;
import io.jthin.engine.PoolDirectory;
import io.jthin.engine.ThinVolume;
import io.jthin.engine.tools.SizeParser;
import io.jthin.engine.tools.VolumeImage;
import io.jthin.snapshot.NoSuchDeviceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jthin thin import ID IMAGE}: a raw image into a volume, sparse-aware. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Import a raw image into a thin device.", "All-zero blocks are not written (so not allocated). "
                + "A missing device is created with the image's size."})
final class ThinImportCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Parameters(index = "0", paramLabel = "ID", converter = Converters.DeviceId.class, description = "Device id.")
    long id;

    @Parameters(index = "1", paramLabel = "IMAGE", description = "Raw image file.")
    Path image;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(image)) {
            throw new NoSuchFileException(image.toString(), null, "no such file");
        }
        VolumeImage.Stats s;
        boolean created = false;
        try (PoolDirectory pd = openPool(pool.dir())) {
            try {
                pd.requireDevice(id);
            } catch (NoSuchDeviceException e) {
                pd.createThin(id, Math.max(512, (Files.size(image) + 511) / 512 * 512));
                created = true;
            }
            ProgressBar bar = new ProgressBar(context());
            try (ThinVolume v = pd.openVolume(id)) {
                s = VolumeImage.importImage(pd.pool(), v, image, bar);
            } finally {
                bar.finish();
            }
        }
        if (json) {
            JsonObject o = stats(s);
            o.addProperty("created", created);
            printJson(o);
        } else {
            out().println((created ? "created thin device " + id + "; " : "") + "imported " + image + " ("
                    + SizeParser.format(s.bytes()) + ") into thin device " + id + " in "
                    + String.format("%.2f", s.elapsed().toNanos() / 1e9) + " s ("
                    + SizeParser.format((long) s.bytesPerSecond()) + "/s): " + s.blocksWritten() + " blocks with data ("
                    + SizeParser.format(s.writtenBytes()) + " written), " + SizeParser.format(s.zeroSkipped())
                    + " of zeros skipped" + (s.blocksDiscarded() > 0 ? ", " + s.blocksDiscarded()
                    + " blocks discarded" : ""));
        }
        return JthinCommand.OK;
    }

    static JsonObject stats(VolumeImage.Stats s) {
        JsonObject o = new JsonObject();
        o.addProperty("bytes", s.bytes());
        o.addProperty("writtenBytes", s.writtenBytes());
        o.addProperty("blocksWritten", s.blocksWritten());
        o.addProperty("zeroBytesSkipped", s.zeroSkipped());
        o.addProperty("blocksDiscarded", s.blocksDiscarded());
        o.addProperty("seconds", s.elapsed().toNanos() / 1e9);
        o.addProperty("bytesPerSecond", (long) s.bytesPerSecond());
        return o;
    }
}
