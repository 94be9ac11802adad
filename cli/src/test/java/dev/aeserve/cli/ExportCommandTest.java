package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.EncodeResult;
import dev.aeserve.client.ModelSelector;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aeserve export} against a real server's registry database: a tiny ae trained in the test
 * is exported to ONNX, {@code aeserve import} brings the pair back as a new version, and both
 * versions answer Encode, Reconstruct and Decode alike within 1e-5. A family the exporter cannot
 * write is refused with FAILED_PRECONDITION naming the family and why, and writes nothing.
 */
class ExportCommandTest {
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

  @Test
  void anExportedAeImportsBackAsAVersionWithTheSameOutputs() {
    TrainedModel trained = new AutoencoderTrainer(new TrainingConfig(4, 32, 1e-2f, 0.2, 7L, EngineKind.MXNET))
        .train(AutoencoderSpec.dense(6, List.of(8), 3, "sigmoid", "mse"), SyntheticData.manifold(300, 6, 7L));
    float[][] x = rows(SyntheticData.manifold(5, 6, 8L));
    try (AeserveClient client = AeserveClient.connect(server.target())) {
      client.createModel("cli-export-ae", "ae", "export test");
      int nativeVersion = client.uploadVersion("cli-export-ae", trained.spec().toJson(), trained.metrics().toJson(),
          null, trained.weights()).getVersion();

      Path out = dir.resolve("ae");
      CliTestServer.Result exported = CliTestServer.run("export", "cli-export-ae:" + nativeVersion, "--format", "onnx",
          "--out", out.toString(), "--db-url", server.databaseUrl());
      assertThat(exported.code()).as(exported.err()).isZero();
      assertThat(exported.out()).contains("wrote cli-export-ae:1 as onnx ae (6 -> 3)");
      assertThat(out.resolve("encoder.onnx")).isNotEmptyFile();
      System.out.print(exported.out());

      CliTestServer.Result imported = server.call("import", "--encoder", out.resolve("encoder.onnx").toString(),
          "--decoder", out.resolve("decoder.onnx").toString(), "--manifest", out.resolve("manifest.json").toString(),
          "--register", "cli-export-ae");
      assertThat(imported.code()).as(imported.err()).isZero();
      assertThat(imported.out()).contains("registered cli-export-ae:2 (onnx ae, 6 -> 3");

      ModelSelector nat = ModelSelector.version("cli-export-ae", nativeVersion);
      ModelSelector imp = ModelSelector.version("cli-export-ae", 2);
      EncodeResult a = client.encode(nat, x);
      EncodeResult b = client.encode(imp, x);
      assertThat(a.servedBy().engine()).isEqualTo("MXNet");
      assertThat(b.servedBy().engine()).isEqualTo("OnnxRuntime");
      assertClose("Encode", b.latents(), a.latents());
      assertClose("Reconstruct", client.reconstruct(imp, x).outputs(), client.reconstruct(nat, x).outputs());
      assertClose("Decode", client.decode(imp, a.latents()).outputs(), client.decode(nat, a.latents()).outputs());
    }
  }

  @Test
  void aFamilyTheExporterCannotWriteIsRefusedWithFailedPrecondition() {
    AutoencoderSpec spec = AutoencoderSpec.conv(List.of(1, 4, 4), List.of(2), List.of(), 2, "sigmoid", "bce");
    TrainedModel conv = new AutoencoderTrainer(new TrainingConfig(1, 16, 1e-2f, 0.2, 3L, EngineKind.MXNET))
        .train(spec, new Matrix(32, 16, new float[32 * 16]));
    try (AeserveClient client = AeserveClient.connect(server.target())) {
      client.createModel("cli-export-conv", "conv_ae", "export test");
      client.uploadVersion("cli-export-conv", conv.spec().toJson(), conv.metrics().toJson(), null, conv.weights());
    }
    Path out = dir.resolve("conv");
    CliTestServer.Result r = CliTestServer.run("export", "cli-export-conv:1", "--format", "onnx", "--out",
        out.toString(), "--db-url", server.databaseUrl());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("aeserve: FAILED_PRECONDITION: cli-export-conv:1: family 'conv_ae' cannot be "
        + "exported to ONNX: its convolution and pooling blocks");
    assertThat(out).doesNotExist();
    System.out.print(r.err());

    CliTestServer.Result missing = CliTestServer.run("export", "cli-export-conv:9", "--format", "onnx", "--out",
        out.toString(), "--db-url", server.databaseUrl());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("aeserve: NOT_FOUND: ");
    CliTestServer.Result format = CliTestServer.run("export", "cli-export-conv:1", "--format", "tflite", "--out",
        out.toString(), "--db-url", server.databaseUrl());
    assertThat(format.err()).contains("aeserve: INVALID_ARGUMENT: --format 'tflite': aeserve exports onnx only");
  }

  private static float[][] rows(Matrix m) {
    float[][] out = new float[m.rows()][];
    for (int r = 0; r < m.rows(); r++) {
      out[r] = m.row(r);
    }
    return out;
  }

  private static void assertClose(String what, float[][] actual, float[][] expected) {
    assertThat(actual).as(what).hasNumberOfRows(expected.length);
    double worst = 0;
    for (int r = 0; r < expected.length; r++) {
      for (int c = 0; c < expected[r].length; c++) {
        assertThat((double) actual[r][c]).as(what + " row " + r + " column " + c).isCloseTo(expected[r][c],
            within(1e-5));
        worst = Math.max(worst, Math.abs(actual[r][c] - expected[r][c]));
      }
    }
    System.out.printf("%s: the re-imported export equals the native version within 1e-5 (largest difference "
        + "%.2e)%n", what, worst);
  }
}
