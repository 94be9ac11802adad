package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.data.SyntheticData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code aeserve} commands against a real server on a loopback port. */
class CommandLineTest {

  private static CliTestServer server;
  private static String target;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() {
    server = new CliTestServer();
    target = server.target();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static CliTestServer.Result run(String... args) {
    return CliTestServer.run(args);
  }

  private static Path csv(String name, Matrix m) throws IOException {
    Path p = dir.resolve(name);
    StringBuilder sb = new StringBuilder();
    for (float[] row : m.toArray()) {
      for (int i = 0; i < row.length; i++) {
        sb.append(i == 0 ? "" : ",").append(row[i]);
      }
      sb.append('\n');
    }
    Files.writeString(p, sb);
    return p;
  }

  @Test
  void trainRegisterAndCallFromTheCommandLine() throws IOException {
    Path train = csv("train.csv", SyntheticData.manifold(300, 12, 4));
    Path input = csv("input.csv", SyntheticData.manifold(7, 12, 5));

    CliTestServer.Result trained = run("train", "--family", "ae", "--data", train.toString(), "--register", "cli-ae",
        "--hidden", "8", "--latent", "3", "--epochs", "3", "--server", target);
    assertThat(trained.code()).isZero();
    assertThat(trained.out()).contains("held-out reconstruction MSE").contains("registered cli-ae:1");

    CliTestServer.Result encoded = run("encode", "--model", "cli-ae", "--input", input.toString(), "--server", target);
    assertThat(encoded.code()).isZero();
    assertThat(encoded.lines()).hasSize(7).allSatisfy(l -> assertThat(l.split(",")).hasSize(3));

    Path latents = dir.resolve("z.csv");
    Files.writeString(latents, encoded.out());
    CliTestServer.Result decoded = run("decode", "--model", "cli-ae:1", "--input", latents.toString(), "--server", target);
    assertThat(decoded.code()).isZero();
    assertThat(decoded.lines()).hasSize(7).allSatisfy(l -> assertThat(l.split(",")).hasSize(12));

    CliTestServer.Result reconstructed = run("reconstruct", "--model", "cli-ae", "--input", input.toString(), "--server", target);
    assertThat(reconstructed.code()).isZero();
    // train registers the trainer's calibration, so every score comes with its flag. The default
    // score is the one training chose; mse_mahalanobis is not bounded by 1.
    assertThat(reconstructed.lines()).hasSize(7).allSatisfy(l -> {
      String[] cells = l.split(",");
      assertThat(Float.parseFloat(cells[0])).isPositive().isFinite();
      assertThat(cells[1]).isIn("true", "false");
    });

    assertThat(run("alias", "set", "cli-ae", "production", "1", "--server", target).out())
        .contains("cli-ae@production -> 1");
    assertThat(run("models", "list", "--server", target).out()).contains("cli-ae\tae");
    assertThat(run("versions", "list", "cli-ae", "--server", target).lines().get(1))
        .startsWith("1\tREADY").contains("production");
    assertThat(run("models", "show", "cli-ae", "--server", target).out()).contains("production -> 1");
    assertThat(run("events", "--model", "cli-ae", "--server", target).lines())
        .anySatisfy(l -> assertThat(l).contains("alias.set"));
  }

  @Test
  void errorsExitNonZeroWithoutChangingAnything() throws IOException {
    Path input = csv("bad.csv", SyntheticData.manifold(2, 5, 1));
    assertThat(run("encode", "--model", "missing", "--input", input.toString(), "--server", target).code()).isEqualTo(1);
    assertThat(run("encode", "--model", "missing:x", "--input", input.toString(), "--server", target).code()).isEqualTo(1);
    assertThat(run("alias", "set", "missing", "production", "1", "--server", target).code()).isEqualTo(1);
    assertThat(run("train", "--data", dir.resolve("nope.csv").toString(), "--server", target).code()).isEqualTo(1);
    assertThat(Arrays.asList(run("models", "list", "--server", target).out().split("\n"))).noneMatch(l -> l.startsWith("missing"));
  }
}
