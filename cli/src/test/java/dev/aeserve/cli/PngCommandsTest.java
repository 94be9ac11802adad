package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.data.SyntheticData;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sample|reconstruct|denoise --png FILE}: the rows as a grid of images, for image-shaped models. */
class PngCommandsTest {

  /** 8 x 8 pictures: a square width is drawn as a grey image. */
  private static final int WIDTH = 64;
  /** 8 x 8 values scaled by 7 (56 pixels a tile), 4 pixels apart. */
  private static final int TILE = 8 * 7 + 4;

  private static CliTestServer server;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws IOException {
    server = new CliTestServer();
    Path data = csv("train.csv", SyntheticData.manifold(300, WIDTH, 5).toArray());
    for (String family : new String[] {"vae", "dae"}) {
      CliTestServer.Result trained = server.call("train", "--family", family, "--data", data.toString(), "--register",
          "png-" + family, "--hidden", "16", "--latent", "3", "--epochs", "2");
      assertThat(trained.code()).as(trained.err()).isZero();
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Path csv(String name, float[][] rows) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (float[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        sb.append(i == 0 ? "" : ",").append(row[i]);
      }
      sb.append('\n');
    }
    return Files.writeString(dir.resolve(name), sb);
  }

  private static BufferedImage image(Path png) throws IOException {
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img).as(png + " is a PNG").isNotNull();
    return img;
  }

  @Test
  void sampleDrawsItsRowsEightALine() throws IOException {
    Path png = dir.resolve("samples.png");
    CliTestServer.Result r = server.call("sample", "--model", "png-vae", "--count", "12", "--seed", "7", "--png",
        png.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.lines()).hasSize(12); // the CSV still goes to stdout
    BufferedImage img = image(png);
    assertThat(img.getWidth()).isEqualTo(4 + 8 * TILE);
    assertThat(img.getHeight()).isEqualTo(4 + 2 * TILE);
  }

  @Test
  void reconstructAndDenoiseDrawEachInputAboveWhatTheModelMadeOfIt() throws IOException {
    Path input = csv("five.csv", SyntheticData.manifold(5, WIDTH, 9).toArray());
    Path reconstructions = dir.resolve("reconstructions.png");
    CliTestServer.Result r = server.call("reconstruct", "--model", "png-dae", "--input", input.toString(), "--png",
        reconstructions.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(image(reconstructions).getWidth()).isEqualTo(4 + 5 * TILE);
    assertThat(image(reconstructions).getHeight()).isEqualTo(4 + 2 * TILE);

    Path denoising = dir.resolve("denoising.png");
    CliTestServer.Result d = server.call("denoise", "--model", "png-dae", "--input", input.toString(), "--gaussian",
        "0.3", "--corruption-seed", "1", "--clip", "0,1", "--png", denoising.toString());
    assertThat(d.code()).as(d.err()).isZero();
    // Clean, corrupted, denoised.
    assertThat(image(denoising).getHeight()).isEqualTo(4 + 3 * TILE);
  }

  @Test
  void aModelWhoseRowsAreNotImagesSaysSo() throws IOException {
    Path narrow = csv("narrow.csv", SyntheticData.manifold(300, 12, 5).toArray());
    assertThat(server.call("train", "--data", narrow.toString(), "--register", "png-narrow", "--hidden", "8",
        "--latent", "2", "--epochs", "1").code()).isZero();
    Path png = dir.resolve("never.png");
    CliTestServer.Result r = server.call("reconstruct", "--model", "png-narrow", "--input", narrow.toString(), "--png",
        png.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("are not images", "12 values");
    assertThat(png).doesNotExist();
  }
}
