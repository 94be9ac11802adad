package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.autoencoders.data.SyntheticRatings;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.VersionInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train/sample/denoise/recommend/calibrate/evaluate for each family, against a real server on loopback. */
class FamilyCommandsTest {

  private static final int WIDTH = 12;

  private static CliTestServer server;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() {
    server = new CliTestServer();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static CliTestServer.Result run(String... args) {
    return server.call(args);
  }

  private static Path csv(String name, float[][] rows) throws IOException {
    Path p = dir.resolve(name);
    StringBuilder sb = new StringBuilder();
    for (float[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        sb.append(i == 0 ? "" : ",").append(row[i]);
      }
      sb.append('\n');
    }
    Files.writeString(p, sb);
    return p;
  }

  /** One manifold: the first 400 rows train, the rest are unseen rows from the same distribution. */
  private static final Matrix DATA = SyntheticData.manifold(600, WIDTH, 4);

  private static Path trainingData() throws IOException {
    return csv("train.csv", DATA.slice(0, 400).toArray());
  }

  private static float[][] unseen(int rows) {
    return DATA.slice(400, 400 + rows).toArray();
  }

  private static float[][] parse(List<String> lines) {
    return lines.stream().map(l -> {
      String[] cells = l.split(",");
      float[] row = new float[cells.length];
      for (int i = 0; i < cells.length; i++) {
        row[i] = Float.parseFloat(cells[i]);
      }
      return row;
    }).toArray(float[][]::new);
  }

  @Test
  void vaeTrainsWithItsCalibrationAndSamplesReproducibly() throws IOException {
    CliTestServer.Result trained = run("train", "--family", "vae", "--data", trainingData().toString(), "--register", "cli-vae",
        "--hidden", "16", "--latent", "3", "--epochs", "3");
    assertThat(trained.code()).as(trained.err()).isZero();
    assertThat(trained.out()).contains("registered cli-vae:1").contains("calibration: anomalous when");
    try (AeserveClient client = AeserveClient.connect(server.target())) {
      assertThat(client.listVersions("cli-vae").get(0).getCalibrationJson()).contains("percentile");
    }

    CliTestServer.Result sampled = run("sample", "--model", "cli-vae", "--count", "5", "--seed", "7");
    assertThat(sampled.code()).as(sampled.err()).isZero();
    assertThat(sampled.err()).contains("# served by cli-vae:1").contains("# seed 7");
    float[][] samples = parse(sampled.lines());
    assertThat(samples).hasNumberOfRows(5);
    for (float[] row : samples) {
      assertThat(row).hasSize(WIDTH);
      for (float v : row) {
        assertThat(v).isBetween(0f, 1f);
      }
    }
    assertThat(run("sample", "--model", "cli-vae", "--count", "5", "--seed", "7").out()).isEqualTo(sampled.out());
    assertThat(run("sample", "--model", "cli-vae", "--count", "5", "--seed", "8").out()).isNotEqualTo(sampled.out());

    Path endpoints = csv("endpoints.csv", unseen(2));
    CliTestServer.Result walked = run("sample", "--model", "cli-vae:1", "--interpolate-inputs", endpoints.toString(), "--steps", "4",
        "--method", "slerp");
    assertThat(walked.code()).as(walked.err()).isZero();
    assertThat(walked.lines()).hasSize(4).allSatisfy(l -> assertThat(l.split(",")).hasSize(WIDTH));
  }

  @Test
  void daeDenoisesServerSideCorruption() throws IOException {
    // --labels on a family without conditions: each row's class, kept with the held-out examples.
    List<String> classes = new java.util.ArrayList<>();
    for (int i = 0; i < 400; i++) {
      classes.add(i % 3 == 0 ? "boot" : "bag");
    }
    Path labels = Files.write(dir.resolve("classes.txt"), classes);
    CliTestServer.Result trained = run("train", "--family", "dae", "--data", trainingData().toString(), "--register", "cli-dae",
        "--hidden", "16", "--latent", "4", "--noise-sigma", "0.2", "--epochs", "3", "--labels", labels.toString());
    assertThat(trained.code()).as(trained.err()).isZero();
    try (AeserveClient client = AeserveClient.connect(server.target())) {
      dev.aeserve.autoencoders.TrainingMetrics metrics = dev.aeserve.autoencoders.TrainingMetrics.fromJson(
          client.listVersions("cli-dae").get(0).getMetricsJson());
      assertThat(metrics.goldenBatch().classes()).hasSize(metrics.goldenBatch().rows().length)
          .containsOnly("boot", "bag").contains("boot", "bag");
      assertThat(metrics.goldenBatch().labels()).as("not conditions: a dae takes none").isNull();
      assertThat(metrics.trainLossCurve()).hasSize(3);
    }
    Path clean = csv("clean.csv", unseen(6));

    CliTestServer.Result denoised = run("denoise", "--model", "cli-dae", "--input", clean.toString(), "--gaussian", "0.2",
        "--corruption-seed", "3", "--clip", "0,1");
    assertThat(denoised.code()).as(denoised.err()).isZero();
    assertThat(denoised.err()).contains("# corruption seed 3").contains("mean MSE of the output against the clean input");
    assertThat(denoised.lines()).hasSize(6).allSatisfy(l -> assertThat(l.split(",")).hasSize(WIDTH));
    assertThat(run("denoise", "--model", "cli-dae", "--input", clean.toString(), "--gaussian", "0.2",
        "--corruption-seed", "3", "--clip", "0,1").out()).isEqualTo(denoised.out());
  }

  @Test
  void autorecRecommendsAndEvaluatesAgainstPopularity() throws IOException {
    Ratings ratings = SyntheticRatings.generate(150, 40, 4, 6, 16, 2.0, 1.0, 3);
    Path file = DemoCommand.writeRatings(dir.resolve("ratings.csv"), ratings);
    CliTestServer.Result trained = run("train", "--family", "autorec", "--data", file.toString(), "--register", "cli-autorec",
        "--hidden", "none", "--latent", "16", "--epochs", "10", "--held-out-users", "30", "--split-seed", "5");
    assertThat(trained.code()).as(trained.err()).isZero();
    assertThat(trained.err()).contains("Holding out 30 users");

    Path history = dir.resolve("history.csv");
    Files.writeString(history, "item,value\ni1,5\ni2,3\nnope,4\n");
    CliTestServer.Result recommended = run("recommend", "--model", "cli-autorec", "--history", history.toString(), "--k", "5");
    assertThat(recommended.code()).as(recommended.err()).isZero();
    assertThat(recommended.err()).contains("unknown items").contains("nope");
    assertThat(recommended.lines()).hasSize(6).first().isEqualTo("user,rank,item,score");
    assertThat(recommended.lines().subList(1, 6)).allSatisfy(l -> assertThat(l).matches("user,\\d+,i\\d+,-?[0-9.E-]+"))
        .noneSatisfy(l -> assertThat(l).matches("user,\\d+,(i1|i2),.*"));

    CliTestServer.Result evaluated = run("evaluate", "--model", "cli-autorec", "--ratings", file.toString(), "--held-out-users", "30",
        "--split-seed", "5");
    assertThat(evaluated.code()).as(evaluated.err()).isZero();
    assertThat(evaluated.out()).contains("recall@20").contains("ndcg@100");
    assertThat(evaluated.lines()).anySatisfy(l -> assertThat(l).matches("model +[01]\\.\\d{4} +[01]\\.\\d{4} +[01]\\.\\d{4}"))
        .anySatisfy(l -> assertThat(l).matches("popularity +[01]\\.\\d{4} +[01]\\.\\d{4} +[01]\\.\\d{4}"));
  }

  @Test
  void calibrateAndEvaluateGoThroughTheServer() throws IOException {
    CliTestServer.Result trained = run("train", "--data", trainingData().toString(), "--register", "cli-anomaly",
        "--hidden", "16", "--latent", "4", "--epochs", "30", "--batch-size", "16");
    assertThat(trained.code()).as(trained.err()).isZero();
    Path normal = csv("normal.csv", unseen(200));

    CliTestServer.Result calibrated = run("calibrate", "cli-anomaly:1", "--data", normal.toString(), "--percentile", "95",
        "--score", "mse");
    assertThat(calibrated.code()).as(calibrated.err()).isZero();
    assertThat(calibrated.out()).contains("registered cli-anomaly:2 (weights of version 1")
        .contains("anomalous when mse >").contains("95th percentile of 200 rows");
    try (AeserveClient client = AeserveClient.connect(server.target())) {
      List<VersionInfo> versions = client.listVersions("cli-anomaly");
      assertThat(versions).hasSize(2);
      assertThat(versions.get(1).getArtifactSha256()).isEqualTo(versions.get(0).getArtifactSha256());
      Calibration c = Calibration.fromJson(versions.get(1).getCalibrationJson());
      assertThat(c.scoreKind()).isEqualTo("mse");
      assertThat(c.parameter()).isEqualTo(95.0);
      assertThat(c.sampleCount()).isEqualTo(200);
    }
    CliTestServer.Result flagged = run("reconstruct", "--model", "cli-anomaly:2", "--input", normal.toString(), "--score", "mse");
    assertThat(flagged.lines()).hasSize(200).allSatisfy(l -> assertThat(l).matches("[0-9.E-]+,(true|false)"));
    long flags = flagged.lines().stream().filter(l -> l.endsWith("true")).count();
    assertThat(flags).isBetween(5L, 15L); // 95th percentile of these very rows: 10 of 200

    // Planted anomalies: uniform noise rows after the normal ones.
    float[][] rows = new float[220][];
    float[][] normalRows = unseen(200);
    System.arraycopy(normalRows, 0, rows, 0, 200);
    Random random = new Random(1);
    StringBuilder labels = new StringBuilder();
    for (int i = 0; i < 220; i++) {
      if (i >= 200) {
        rows[i] = new float[WIDTH];
        for (int c = 0; c < WIDTH; c++) {
          rows[i][c] = random.nextFloat();
        }
      }
      labels.append(i >= 200 ? "1" : "0").append('\n');
    }
    Path mixed = csv("mixed.csv", rows);
    Path labelFile = dir.resolve("anomalies.txt");
    Files.writeString(labelFile, labels);
    CliTestServer.Result evaluated = run("evaluate", "--model", "cli-anomaly:1", "--data", normal.toString());
    assertThat(evaluated.code()).as(evaluated.err()).isZero();
    double mse = value(evaluated, "mse");
    double baseline = value(evaluated, "baseline");
    assertThat(mse).isPositive().isLessThan(baseline);
    assertThat(evaluated.out()).contains("bce").contains("psnr");

    CliTestServer.Result withLabels = run("evaluate", "--model", "cli-anomaly:1", "--data", mixed.toString(), "--labels",
        labelFile.toString());
    assertThat(withLabels.code()).as(withLabels.err()).isZero();
    assertThat(value(withLabels, "auroc")).isGreaterThan(0.9);
  }

  private static double value(CliTestServer.Result r, String metric) {
    return r.lines().stream().filter(l -> l.startsWith(metric + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(metric.length()).trim().split("\\s+")[0]))
        .orElseThrow(() -> new AssertionError("no " + metric + " in\n" + r.out()));
  }

  @Test
  void badRequestsExitOneWithOneLine() throws IOException {
    Path input = csv("one.csv", SyntheticData.manifold(2, WIDTH, 1).toArray());
    Path history = dir.resolve("h.csv");
    Files.writeString(history, "i1,5\n");
    for (String[] args : new String[][] {
        {"sample", "--model", "cli-missing", "--count", "0"},
        {"sample", "--model", "cli-missing", "--count", "3"},
        {"denoise", "--model", "cli-missing", "--input", input.toString()},
        {"recommend", "--model", "cli-missing", "--history", history.toString()},
        {"recommend", "--model", "cli-missing", "--history", history.toString(), "--k", "0"},
        {"calibrate", "cli-missing:1", "--data", input.toString()},
        {"evaluate", "--model", "cli-missing", "--data", input.toString()},
        {"train", "--family", "nope", "--data", input.toString()},
        {"train", "--family", "cvae", "--data", input.toString()}}) {
      CliTestServer.Result r = run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
      assertThat(r.err().lines().toList()).as(r.err()).hasSize(1).first().asString().startsWith("aeserve: ");
    }
    assertThat(run("sample", "--model", "cli-missing", "--count", "3").err()).contains("NOT_FOUND");
    assertThat(run("sample", "--model", "cli-missing", "--count", "0").err()).contains("--count must be at least 1");
  }
}
