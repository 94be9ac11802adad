package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every family's artifact loads in MXNet and PyTorch, and both compute the same numbers. */
class FamilyParityTest {

  static Stream<Arguments> families() {
    return Stream.of(
        Arguments.of("vae", (Supplier<TrainedModel>) FamilyModels::vae),
        Arguments.of("cvae", (Supplier<TrainedModel>) FamilyModels::cvae),
        Arguments.of("dae", (Supplier<TrainedModel>) FamilyModels::dae),
        Arguments.of("conv_ae", (Supplier<TrainedModel>) FamilyModels::conv),
        Arguments.of("autorec", (Supplier<TrainedModel>) FamilyModels::autorec),
        Arguments.of("multvae", (Supplier<TrainedModel>) FamilyModels::multvae));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void bothEnginesAgree(String name, Supplier<TrainedModel> trained) {
    TrainedModel model = trained.get();
    AutoencoderSpec spec = AutoencoderSpec.fromJson(model.spec().toJson());
    assertThat(spec).isEqualTo(model.spec());
    assertThat(spec.family().id()).isEqualTo(name);
    Matrix x = inputs(spec);
    Conditions c = spec.family().conditional() ? Conditions.perRow(0, 1, 2, 0, 1, 2, 0, 1) : Conditions.NONE;
    try (Autoencoder mx = Autoencoders.load(spec, model.weights(), EngineKind.MXNET);
        Autoencoder pt = Autoencoders.load(spec, model.weights(), EngineKind.PYTORCH)) {
      Encoding em = mx.encode(x, c, null);
      Encoding ep = pt.encode(x, c, null);
      assertClose(ep.mean(), em.mean());
      if (spec.family().variational()) {
        assertClose(ep.logVariance(), em.logVariance());
      }
      assertClose(pt.reconstruct(x, null, c).output(), mx.reconstruct(x, null, c).output());
      assertThat((double) pt.reconstruct(x, null, c).scores()[3])
          .isCloseTo(mx.reconstruct(x, null, c).scores()[3], within(1e-4 * Math.max(1, Math.abs(mx.reconstruct(x, null, c).scores()[3]))));
      if (spec.family().serves(Rpc.DECODE)) {
        assertClose(pt.decode(em.mean(), c), mx.decode(em.mean(), c));
      }
      if (spec.family().serves(Rpc.SAMPLE)) {
        assertClose(pt.sample(8, 1, 1.0, c).output(), mx.sample(8, 1, 1.0, c).output());
      }
      if (spec.family().serves(Rpc.RECOMMEND)) {
        assertClose(pt.scoreItems(x), mx.scoreItems(x));
      }
    }
  }

  private static Matrix inputs(AutoencoderSpec spec) {
    return switch (spec.family()) {
      case CONV_AE -> FamilyModels.blobs(8, 1);
      case CVAE -> FamilyModels.conditionalData(8, 2);
      case AUTOREC, MULTVAE -> {
        float[] d = new float[8 * spec.inputDim()];
        for (int r = 0; r < 8; r++) {
          for (int k = 0; k < 5; k++) {
            d[r * spec.inputDim() + (r * 7 + k * 11) % spec.inputDim()] = spec.family() == Family.AUTOREC ? 1 + k % 5 : 1;
          }
        }
        yield new Matrix(8, spec.inputDim(), d);
      }
      default -> FamilyModels.UNSEEN.slice(0, 8);
    };
  }

  private static void assertClose(Matrix actual, Matrix expected) {
    assertThat(actual.rows()).isEqualTo(expected.rows());
    assertThat(actual.cols()).isEqualTo(expected.cols());
    for (int i = 0; i < actual.data().length; i++) {
      assertThat((double) actual.data()[i]).as("element %d", i).isCloseTo(expected.data()[i], within(1e-5));
    }
  }
}
