package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.aeserve.autoencoders.evaluation.ReconstructionReport;
import dev.aeserve.autoencoders.data.SyntheticData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LoadedAutoencoderTest {
  private static final Matrix ROWS = SyntheticData.manifold(40, TinyModels.WIDTH, 3, 0.02, 1234);

  @Test
  void theSameArtifactEncodesAlikeOnMxnetAndPytorch() {
    TrainedModel model = TinyModels.mse();
    try (Autoencoder mxnet = Autoencoders.load(model.spec(), model.weights(), EngineKind.MXNET);
        Autoencoder pytorch = Autoencoders.load(model.spec(), model.weights(), EngineKind.PYTORCH)) {
      Matrix zm = mxnet.encode(ROWS);
      Matrix zp = pytorch.encode(ROWS);
      assertThat(zp.rows()).isEqualTo(40);
      assertThat(zp.cols()).isEqualTo(3);
      assertClose(zp, zm, 1e-5);
      assertClose(pytorch.decode(zm), mxnet.decode(zm), 1e-5);
      assertThat(pytorch.engine()).isEqualTo(EngineKind.PYTORCH);
    }
  }

  @ParameterizedTest
  @EnumSource(EngineKind.class)
  void artifactRoundTripGivesIdenticalOutputs(EngineKind engine) {
    TrainedModel model = TinyModels.mse();
    byte[] copy = WeightsArtifact.parse(model.weights()).toBytes();
    try (Autoencoder first = Autoencoders.load(model.spec(), model.weights(), engine);
        Autoencoder second = Autoencoders.load(AutoencoderSpec.fromJson(model.spec().toJson()), copy, engine)) {
      assertThat(second.encode(ROWS)).isEqualTo(first.encode(ROWS));
      assertThat(second.reconstruct(ROWS).output()).isEqualTo(first.reconstruct(ROWS).output());
    }
  }

  @ParameterizedTest
  @EnumSource(EngineKind.class)
  void weightsThatDoNotFitTheSpecAreRefusedWithTheMismatch(EngineKind engine) {
    byte[] weights = TinyModels.mse().weights(); // 16-12-3, sigmoid output

    assertThatThrownBy(() -> Autoencoders.load(AutoencoderSpec.dense(16, List.of(10), 3, "sigmoid", "mse"),
        weights, engine))
        .isInstanceOf(IncompatibleWeightsException.class)
        .hasMessage("encoder layer 0 weight is 16x12 in the artifact, spec wants 16x10");
    assertThatThrownBy(() -> Autoencoders.load(AutoencoderSpec.dense(16, List.of(12), 4, "sigmoid", "mse"),
        weights, engine))
        .isInstanceOf(IncompatibleWeightsException.class)
        .hasMessage("encoder layer 1 weight is 12x3 in the artifact, spec wants 12x4");
    assertThatThrownBy(() -> Autoencoders.load(AutoencoderSpec.dense(16, List.of(12, 6), 3, "sigmoid", "mse"),
        weights, engine))
        .isInstanceOf(IncompatibleWeightsException.class)
        .hasMessage("encoder layer 1 weight is 12x3 in the artifact, spec wants 12x6");
    assertThatThrownBy(() -> Autoencoders.load(AutoencoderSpec.dense(16, List.of(12, 3), 2, "sigmoid", "mse"),
        weights, engine))
        .isInstanceOf(IncompatibleWeightsException.class)
        .hasMessageStartingWith("encoder section ends before the spec's 3 layers are read: the artifact has fewer "
            + "blocks than the spec");
    assertThatThrownBy(() -> Autoencoders.load(AutoencoderSpec.dense(16, List.of(), 12, "sigmoid", "mse"),
        weights, engine))
        .isInstanceOf(IncompatibleWeightsException.class)
        .hasMessageStartingWith("encoder section has ")
        .hasMessageContaining("bytes left after the spec's 1 layers: the artifact has more blocks than the spec");
    assertThatThrownBy(() -> Autoencoders.load(AutoencoderSpec.dense(16, List.of(12), 3, "identity", "mse"),
        weights, engine))
        .isInstanceOf(IncompatibleWeightsException.class)
        .hasMessageStartingWith("decoder section has ")
        .hasMessageContaining("an output activation the spec does not have");
    // Which hidden activation was trained is not in the artifact: the spec is its only record.
    AutoencoderSpec tanh = new AutoencoderSpec(Family.AE, 16, 3, List.of(12), "tanh", "sigmoid", "mse", null);
    Autoencoders.load(tanh, weights, engine).close();
    assertThatThrownBy(() -> Autoencoders.load(TinyModels.mseSpec(), "garbage bytes".getBytes(), engine))
        .isInstanceOf(IncompatibleWeightsException.class).hasMessageContaining("magic");
    byte[] notDjl = new WeightsArtifact(new byte[] {9, 9, 9, 9, 9}, new byte[] {1}).toBytes();
    assertThatThrownBy(() -> Autoencoders.load(TinyModels.mseSpec(), notDjl, engine))
        .isInstanceOf(IncompatibleWeightsException.class).hasMessageStartingWith("encoder section");
  }

  @Test
  void badInputsAreRefusedWithWhatIsWrong() {
    TrainedModel model = TinyModels.mse();
    try (Autoencoder ae = Autoencoders.load(model.spec(), model.weights(), EngineKind.MXNET)) {
      assertThatThrownBy(() -> ae.encode(new Matrix(0, 16, new float[0])))
          .isInstanceOf(InvalidInputException.class).hasMessage("input has no rows");
      assertThatThrownBy(() -> ae.reconstruct(new Matrix(2, 10, new float[20])))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("input has 10 values per row, the model expects 16 (inputDim)");
      assertThatThrownBy(() -> ae.decode(new Matrix(1, 16, new float[16])))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("latent has 16 values per row, the model expects 3 (latentDim)");
      float[] withNaN = new float[32];
      withNaN[16 + 5] = Float.NaN;
      assertThatThrownBy(() -> ae.encode(new Matrix(2, 16, withNaN)))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("input row 1, column 5 is NaN");
      float[] withInf = new float[3];
      withInf[2] = Float.NEGATIVE_INFINITY;
      assertThatThrownBy(() -> ae.decode(new Matrix(1, 3, withInf)))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("latent row 0, column 2 is -Infinity");
    }
  }

  @ParameterizedTest
  @EnumSource(EngineKind.class)
  void concurrentEncodesAgreeWithSingleThreadedResults(EngineKind engine) throws Exception {
    TrainedModel model = TinyModels.mse();
    int threads = 8;
    try (Autoencoder ae = Autoencoders.load(model.spec(), model.weights(), engine)) {
      List<Matrix> inputs = new ArrayList<>();
      List<Matrix> expected = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Matrix x = ROWS.slice(t, t + 1 + t * 4); // different batch sizes per thread
        inputs.add(x);
        expected.add(ae.encode(x));
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int id = t;
          Callable<Boolean> work = () -> {
            start.await();
            for (int i = 0; i < 50; i++) {
              if (!ae.encode(inputs.get(id)).equals(expected.get(id))) {
                return false;
              }
            }
            return true;
          };
          results.add(pool.submit(work));
        }
        start.countDown();
        for (Future<Boolean> f : results) {
          assertThat(f.get()).isTrue();
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(EngineKind.class)
  void reconstructScoresAreTheSpecsLossOfDecodeOfEncode(EngineKind engine) {
    for (TrainedModel model : List.of(TinyModels.mse(), TinyModels.bce())) {
      try (Autoencoder ae = Autoencoders.load(model.spec(), model.weights(), engine)) {
        Matrix x = ROWS.slice(0, 5);
        Matrix xr = ae.decode(ae.encode(x));
        Reconstruction r = ae.reconstruct(x, ScoreKind.fromId(model.spec().loss()), Conditions.NONE);

        assertClose(r.output(), xr, 1e-6);
        for (int row = 0; row < x.rows(); row++) {
          double sum = 0;
          for (int c = 0; c < x.cols(); c++) {
            double v = x.get(row, c);
            double p = Math.min(Math.max(xr.get(row, c), 1e-7), 1 - 1e-7);
            double e = model.spec().loss().equals("mse")
                ? (v - xr.get(row, c)) * (v - xr.get(row, c))
                : -(v * Math.log(p) + (1 - v) * Math.log(1 - p));
            assertThat((double) r.featureErrors().get(row, c)).isCloseTo(e, within(1e-5));
            sum += e;
          }
          assertThat((double) r.scores()[row]).isCloseTo(sum / x.cols(), within(1e-5));
        }
      }
    }
  }

  @Test
  void standardizationIsAppliedBeforeEncodingAndUndoneAfterDecoding() {
    Matrix all = SyntheticData.manifold(600, 16, 3, 0.02, 7);
    for (int i = 0; i < all.data().length; i++) {
      all.data()[i] = all.data()[i] * 50 + 100; // far from the unit range the blocks work in
    }
    Matrix data = all.slice(0, 500);
    Matrix unseen = all.slice(500, 600);
    AutoencoderSpec spec = AutoencoderSpec.dense(16, List.of(12), 3, "identity", "mse")
        .withStandardization(AutoencoderSpec.Standardization.fit(data));
    TrainedModel model = new AutoencoderTrainer(new TrainingConfig(30, 32, 5e-3f, 0.2, 3, EngineKind.PYTORCH))
        .train(spec, data);

    double baseline = TinyModels.varianceBaseline(unseen);
    assertThat(model.metrics().heldOutMse()).isLessThan(0.2 * baseline);
    try (Autoencoder ae = Autoencoders.load(model.spec(), model.weights(), EngineKind.MXNET)) {
      assertThat(ReconstructionReport.evaluate(ae, unseen, Conditions.NONE, unseen, null).mse())
          .isLessThan(0.2 * baseline);
      Matrix out = ae.reconstruct(unseen).output();
      assertThat(out.get(0, 0)).isCloseTo(unseen.get(0, 0), within(15f)); // back in input units
    }
  }

  @Test
  void evaluationAgreesWithReconstructScores() {
    TrainedModel model = TinyModels.bce();
    try (Autoencoder ae = Autoencoders.load(model.spec(), model.weights(), EngineKind.PYTORCH)) {
      ReconstructionReport evaluation = ReconstructionReport.evaluate(ae, ROWS, Conditions.NONE, ROWS, null);
      double meanScore = 0;
      for (float s : ae.reconstruct(ROWS, ScoreKind.BCE, Conditions.NONE).scores()) {
        meanScore += s / ROWS.rows();
      }
      assertThat(evaluation.rows()).isEqualTo(40);
      assertThat(evaluation.bce()).isCloseTo(meanScore, within(1e-5));
      assertThat(evaluation.mse()).isLessThan(evaluation.bce());
    }
  }

  @Test
  void aClosedModelRefusesCallsAndClosesTwiceQuietly() {
    TrainedModel model = TinyModels.mse();
    Autoencoder ae = Autoencoders.load(model.spec(), model.weights(), EngineKind.PYTORCH);
    ae.close();
    ae.close();
    assertThatThrownBy(() -> ae.encode(ROWS)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  private static void assertClose(Matrix actual, Matrix expected, double tolerance) {
    assertThat(actual.rows()).isEqualTo(expected.rows());
    assertThat(actual.cols()).isEqualTo(expected.cols());
    for (int i = 0; i < actual.data().length; i++) {
      assertThat((double) actual.data()[i]).as("element %d", i).isCloseTo(expected.data()[i], within(tolerance));
    }
  }
}
