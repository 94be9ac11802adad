package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.evaluation.ReconstructionReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each family, trained for a second or two on generated data, reconstructs far better than the mean. */
class FamiliesLearnTest {

  @Test
  void vaeLearnsTheManifold() {
    // Measured: held-out MSE 0.0040 against a baseline of 0.116 (3.5%).
    assertThat(FamilyModels.vae().metrics().heldOutMse()).isLessThan(0.15 * FamilyModels.varianceBaseline(FamilyModels.DATA));
    // The default score is chosen among every score a vae computes, and recorded with the choice.
    assertThat(FamilyModels.vae().metrics().anomalyScoreAuroc()).containsOnlyKeys("mse", "bce", "neg_elbo",
        "mse_mahalanobis");
    assertThat(FamilyModels.vae().metrics().scoreKind()).isEqualTo(FamilyModels.vae().spec().defaultScoreKind().id());
  }

  @Test
  void cvaeLearnsEachClassUnderItsLabel() {
    Matrix unseen = FamilyModels.conditionalData(300, 99);
    Conditions labels = Conditions.perRow(FamilyModels.conditionalLabels(300));
    TrainedModel model = FamilyModels.cvae();
    try (Autoencoder cvae = Autoencoders.load(model.spec(), model.weights(), EngineKind.MXNET)) {
      ReconstructionReport right = ReconstructionReport.evaluate(cvae, unseen, labels, null, null);
      int[] shifted = FamilyModels.conditionalLabels(300);
      for (int i = 0; i < shifted.length; i++) {
        shifted[i] = (shifted[i] + 1) % 3;
      }
      ReconstructionReport wrong = ReconstructionReport.evaluate(cvae, unseen, Conditions.perRow(shifted), null, null);
      // Measured: 0.0032 against a baseline of about 0.1; the wrong label is several times worse.
      assertThat(right.mse()).isLessThan(0.15 * FamilyModels.varianceBaseline(unseen));
      assertThat(wrong.mse()).isGreaterThan(2 * right.mse());
    }
  }

  @Test
  void daeLearnsAndItsOutputIsCloserToTheCleanRowsThanTheNoisyInputWas() {
    TrainedModel model = FamilyModels.dae();
    assertThat(model.metrics().heldOutMse()).isLessThan(0.15 * FamilyModels.varianceBaseline(FamilyModels.DATA));
    try (Autoencoder dae = Autoencoders.load(model.spec(), model.weights(), EngineKind.PYTORCH)) {
      Matrix clean = FamilyModels.UNSEEN;
      Denoising d = dae.denoise(clean, FamilyModels.NOISE, 5);
      double noisy = mse(d.input(), clean);
      double denoised = mse(d.output(), clean);
      // Measured: the corruption's MSE is about 0.03, the denoised output's a tenth of it.
      assertThat(denoised).isLessThan(0.5 * noisy);
      assertThat(dae.denoise(d.input())).isEqualTo(d.output());
    }
  }

  @Test
  void convAeLearnsImagesOfAnOddSize() {
    TrainedModel model = FamilyModels.conv();
    Matrix unseen = FamilyModels.blobs(200, 77);
    try (Autoencoder conv = Autoencoders.load(model.spec(), model.weights(), EngineKind.MXNET)) {
      ReconstructionReport report = ReconstructionReport.evaluate(conv, unseen, Conditions.NONE,
          FamilyModels.blobs(800, 5), null);
      // Measured: MSE 0.0017 against a per-pixel-mean baseline of 0.054; PSNR about 27 dB.
      assertThat(report.mse()).isLessThan(0.15 * report.meanBaselineMse());
      assertThat(report.psnr()).isGreaterThan(20);
      assertThat(conv.encode(unseen).cols()).isEqualTo(6);
    }
  }

  @Test
  void sparsityAndContractivePenaltiesTrainAndDoWhatTheySay() {
    AutoencoderSpec plain = AutoencoderSpec.dense(FamilyModels.WIDTH, List.of(12), 6, "sigmoid", "mse");
    TrainingConfig config = FamilyModels.CONFIG.withEpochs(15);
    Matrix data = FamilyModels.DATA;
    double baseline = FamilyModels.varianceBaseline(data);
    TrainedModel none = new AutoencoderTrainer(config).train(plain, data);
    TrainedModel l1 = new AutoencoderTrainer(config).train(plain.withRegularization(Regularization.l1(0.05)), data);
    TrainedModel kl = new AutoencoderTrainer(config)
        .train(plain.withRegularization(Regularization.klSparsity(0.5, 0.05)), data);
    TrainedModel contractive = new AutoencoderTrainer(config)
        .train(plain.withRegularization(Regularization.contractive(0.05)), data);

    for (TrainedModel m : List.of(none, l1, kl, contractive)) {
      assertThat(m.metrics().heldOutMse()).as(m.spec().toJson()).isLessThan(0.3 * baseline);
    }
    assertThat(meanAbsCode(l1)).isLessThan(0.5 * meanAbsCode(none));
    assertThat(meanSigmoidRate(kl)).isLessThan(meanSigmoidRate(none));
    assertThat(jacobianNorm(contractive)).isLessThan(jacobianNorm(none));
    assertThat(AutoencoderSpec.fromJson(l1.spec().toJson())).isEqualTo(l1.spec());
  }

  private static double meanAbsCode(TrainedModel m) {
    try (Autoencoder ae = Autoencoders.load(m.spec(), m.weights(), EngineKind.MXNET)) {
      double sum = 0;
      for (float v : ae.encode(FamilyModels.UNSEEN).data()) {
        sum += Math.abs(v);
      }
      return sum / FamilyModels.UNSEEN.rows();
    }
  }

  private static double meanSigmoidRate(TrainedModel m) {
    try (Autoencoder ae = Autoencoders.load(m.spec(), m.weights(), EngineKind.MXNET)) {
      double sum = 0;
      float[] z = ae.encode(FamilyModels.UNSEEN).data();
      for (float v : z) {
        sum += 1 / (1 + Math.exp(-v));
      }
      return sum / z.length;
    }
  }

  /** Squared Frobenius norm of dz/dx by central differences, averaged over unseen rows. */
  private static double jacobianNorm(TrainedModel m) {
    try (Autoencoder ae = Autoencoders.load(m.spec(), m.weights(), EngineKind.MXNET)) {
      Matrix x = FamilyModels.UNSEEN.slice(0, 50);
      double h = 1e-2;
      double total = 0;
      for (int c = 0; c < x.cols(); c++) {
        Matrix plus = shifted(x, c, h);
        Matrix minus = shifted(x, c, -h);
        float[] zp = ae.encode(plus).data();
        float[] zm = ae.encode(minus).data();
        for (int i = 0; i < zp.length; i++) {
          double d = (zp[i] - zm[i]) / (2 * h);
          total += d * d;
        }
      }
      return total / x.rows();
    }
  }

  private static Matrix shifted(Matrix x, int col, double h) {
    float[] d = x.data().clone();
    for (int r = 0; r < x.rows(); r++) {
      d[r * x.cols() + col] += (float) h;
    }
    return new Matrix(x.rows(), x.cols(), d);
  }

  static double mse(Matrix a, Matrix b) {
    double sum = 0;
    for (int i = 0; i < a.data().length; i++) {
      double d = a.data()[i] - b.data()[i];
      sum += d * d;
    }
    return sum / a.data().length;
  }
}
