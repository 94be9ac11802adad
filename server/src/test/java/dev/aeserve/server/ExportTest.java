package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.ImportArtifact;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.UnsupportedExportException;
import dev.aeserve.autoencoders.WeightsArtifact;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.autoencoders.internal.OnnxExporter;
import dev.aeserve.client.EncodeResult;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.client.ReconstructOptions;
import dev.aeserve.proto.v1.ScoreKind;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A native version written out as an ONNX pair ({@link OnnxExporter}) and imported back serves the
 * same outputs as the version it came from, through the real server (MXNet for the native one,
 * ONNX Runtime for the import), within 1e-5. Families the exporter cannot write are refused,
 * naming the family and why.
 */
class ExportTest {
  private static final double TOLERANCE = 1e-5;
  private static ServerFixture f;

  @BeforeAll
  static void start() {
    f = ServerFixture.start();
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  @Test
  void aNativeAeExportedToOnnxAndImportedBackServesTheSameOutputs() {
    TrainedModel trained = ServerFixture.tinyModel(6, 3);
    roundTrip("export-ae", "ae", trained, false);
  }

  @Test
  void aNativeVaeExportedToOnnxAndImportedBackServesTheSameMeanLogVarianceAndOutputs() {
    AutoencoderSpec spec = AutoencoderSpec.vae(6, List.of(8), 2, "sigmoid", "bce", 1.0);
    TrainedModel trained = new AutoencoderTrainer(new TrainingConfig(4, 32, 1e-2f, 0.2, 5L, EngineKind.MXNET))
        .train(spec, SyntheticData.manifold(300, 6, 5L));
    roundTrip("export-vae", "vae", trained, true);
  }

  @Test
  void familiesTheExporterCannotWriteAreRefusedNamingTheFamilyAndWhy() {
    AutoencoderSpec conv = AutoencoderSpec.conv(List.of(1, 4, 4), List.of(2), List.of(), 2, "sigmoid", "bce");
    assertThatThrownBy(() -> OnnxExporter.requireExportable(conv)).isInstanceOf(UnsupportedExportException.class)
        .hasMessageContaining("family 'conv_ae' cannot be exported to ONNX: its convolution and pooling blocks");
    AutoencoderSpec cvae = AutoencoderSpec.cvae(4, List.of(), 2, "sigmoid", "bce", 1.0, List.of("a", "b"));
    assertThatThrownBy(() -> OnnxExporter.requireExportable(cvae)).isInstanceOf(UnsupportedExportException.class)
        .hasMessageContaining("family 'cvae' cannot be exported to ONNX: its encoder and decoder take a one-hot");
    AutoencoderSpec ease = AutoencoderSpec.ease(List.of("a", "b", "c"), null);
    assertThatThrownBy(() -> OnnxExporter.requireExportable(ease)).isInstanceOf(UnsupportedExportException.class)
        .hasMessageContaining("family 'ease' cannot be exported to ONNX: imports do not serve family 'ease'");
  }

  private static void roundTrip(String model, String family, TrainedModel trained, boolean variational) {
    f.client.createModel(model, family, "export test");
    int nativeVersion = f.register(model, trained);
    ImportArtifact exported = OnnxExporter.export(trained.spec(), WeightsArtifact.parse(trained.weights()));
    int importedVersion = f.client.uploadVersion(model, exported.manifest().spec().toJson(),
        exported.manifest().metricsJson(), null, exported.toBytes()).getVersion();
    ModelSelector nat = ModelSelector.version(model, nativeVersion);
    ModelSelector imp = ModelSelector.version(model, importedVersion);
    float[][] x = rows(SyntheticData.manifold(7, trained.spec().inputDim(), 11L));

    EncodeResult a = f.client.encode(nat, x);
    EncodeResult b = f.client.encode(imp, x);
    assertThat(a.servedBy().engine()).isEqualTo("MXNet");
    assertThat(b.servedBy().engine()).isEqualTo("OnnxRuntime");
    assertClose(family + " Encode", b.latents(), a.latents());
    if (variational) {
      assertClose(family + " Encode log-variance", b.logVariances(), a.logVariances());
    }
    ReconstructOptions mse = new ReconstructOptions(false, false, ScoreKind.SCORE_KIND_MSE, List.of());
    var ra = f.client.reconstruct(nat, x, mse);
    var rb = f.client.reconstruct(imp, x, mse);
    assertClose(family + " Reconstruct", rb.outputs(), ra.outputs());
    assertClose(family + " Reconstruct mse", new float[][] {rb.scores()}, new float[][] {ra.scores()});
    assertClose(family + " Decode", f.client.decode(imp, a.latents()).outputs(),
        f.client.decode(nat, a.latents()).outputs());
  }

  private static float[][] rows(dev.aeserve.autoencoders.Matrix m) {
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
      assertThat(actual[r]).as(what + " row " + r).hasSize(expected[r].length);
      for (int c = 0; c < expected[r].length; c++) {
        assertThat((double) actual[r][c]).as(what + " row " + r + " column " + c).isCloseTo(expected[r][c],
            within(TOLERANCE));
        worst = Math.max(worst, Math.abs(actual[r][c] - expected[r][c]));
      }
    }
    System.out.printf("%s: the imported export equals the native version within %.1e on %d rows (largest "
        + "difference %.2e)%n", what, TOLERANCE, expected.length, worst);
  }
}
