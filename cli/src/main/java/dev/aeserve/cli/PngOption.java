package dev.aeserve.cli;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.ServedBy;
import dev.aeserve.server.console.ImageGrid;
import dev.aeserve.server.console.ImageShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --png FILE}: the call's rows drawn as a grid of images, for models whose rows are images
 * (a conv_ae's inputShape, or a square width such as 784 = 28 x 28), as the web console draws them.
 * The shape comes from the spec of the version that served the call.
 */
final class PngOption {

  /** Tiles a line. */
  static final int COLUMNS = 8;
  static final int TILE_PIXELS = 56;

  @Option(names = "--png", paramLabel = "FILE.png",
      description = "Also draw the rows as a grid of images into this PNG (image-shaped models).")
  Path file;

  boolean wanted() {
    return file != null;
  }

  /** The image shape of the version that served, or a CliException that says why there is none. */
  ImageShape shape(AeserveClient client, ServedBy served) {
    String specJson = Wire.call(() -> client.getVersion(served.getModel(), served.getVersion())).getSpecJson();
    AutoencoderSpec spec = AutoencoderSpec.fromJson(specJson);
    return ImageShape.of(spec).orElseThrow(() -> new CliException("--png: rows of " + served.getModel() + ":"
        + served.getVersion() + " (" + spec.family().id() + ", " + spec.inputDim() + " values) are not images; "
        + "--png draws models with an inputShape or a square width (784 = 28 x 28)"));
  }

  /**
   * Writes groups of rows as bands: for each run of up to {@link #COLUMNS} rows, one line per group
   * (say inputs, then their reconstructions), so each column reads top to bottom.
   *
   * @param flagged per row of the last group, whether to frame it in red; or null
   */
  void write(ImageShape shape, List<float[][]> groups, boolean[] flagged) {
    int n = groups.get(0).length;
    List<float[]> tiles = new ArrayList<>();
    List<Boolean> frames = new ArrayList<>();
    int columns = Math.max(1, Math.min(COLUMNS, n));
    for (int start = 0; start < n; start += columns) {
      for (int g = 0; g < groups.size(); g++) {
        for (int i = start; i < start + columns; i++) {
          boolean present = i < n;
          tiles.add(present ? groups.get(g)[i] : new float[shape.values()]);
          frames.add(present && flagged != null && g == groups.size() - 1 && flagged[i]);
        }
      }
    }
    boolean[] frame = new boolean[frames.size()];
    for (int i = 0; i < frame.length; i++) {
      frame[i] = frames.get(i);
    }
    byte[] png = new ImageGrid(shape, ImageGrid.scaleFor(shape, TILE_PIXELS))
        .png(tiles.toArray(new float[0][]), columns, frame);
    try {
      Files.write(file, png);
    } catch (IOException e) {
      throw new CliException("cannot write --png " + file + ": " + e.getMessage(), e);
    }
    System.err.println("# wrote " + file + " (" + n + " rows as images)");
  }
}
