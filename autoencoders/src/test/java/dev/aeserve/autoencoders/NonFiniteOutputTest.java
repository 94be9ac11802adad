package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Decode, Sample and the other calls never answer with non-finite values: latents at 1e38 and
 * temperature 3e38 once decoded to Infinity with OK. Most such requests are refused by the
 * admission bounds in {@link ComputeLimits} before compute; what still overflows inside the
 * blocks is refused after it.
 */
class NonFiniteOutputTest {

  @Test
  void latentsAndTemperaturesBeyondTheAdmissionBoundsAreRefusedBeforeCompute() {
    TrainedModel model = FamilyModels.vae();
    try (Autoencoder vae = Autoencoders.load(model.spec(), model.weights(), EngineKind.MXNET)) {
      Matrix huge = new Matrix(2, 3, new float[] {0, 0, 0, 0, 1e38f, 0});
      assertThatThrownBy(() -> vae.decode(huge))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("latent row 1, column 1 is 1.0E38; latent values must lie in [-100000000, 100000000]");
      assertThatThrownBy(() -> InputValidation.requireLatent(model.spec(), huge))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("latent values must lie in");
      assertThatThrownBy(() -> vae.interpolateLatents(new float[3], new float[] {0, -1e38f, 0}, 5,
          Interpolation.SLERP, Conditions.NONE))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("interpolation endpoint column 1 is -1.0E38; latent values must lie in [-100000000, 100000000]");
      assertThatThrownBy(() -> vae.sample(4, 1, 3e38, Conditions.NONE))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("temperature must be finite and in [0, 1000], got 3.0E38");
      assertThatThrownBy(() -> ComputeLimits.requireTemperature(ComputeLimits.MAX_TEMPERATURE * 1.01))
          .isInstanceOf(InvalidInputException.class);

      // At the bounds a sigmoid decoder still answers, and finitely.
      float[] edge = {ComputeLimits.MAX_ABS_LATENT, -ComputeLimits.MAX_ABS_LATENT, 0};
      assertThat(allFinite(vae.decode(new Matrix(1, 3, edge)))).isTrue();
      assertThat(allFinite(vae.sample(64, 3, ComputeLimits.MAX_TEMPERATURE, Conditions.NONE).output())).isTrue();
    }
  }

  @Test
  void outputsThatOverflowInsideTheModelAreRefusedNotReturned() {
    TrainedModel model = FamilyModels.vae();
    // The same weights under a spec whose de-standardization overflows float32: every decoded
    // value is Infinity, whatever the latent, which is how a decoder past its range behaves.
    float[] max = new float[FamilyModels.WIDTH];
    Arrays.fill(max, Float.MAX_VALUE);
    AutoencoderSpec overflowing = model.spec().withStandardization(new AutoencoderSpec.Standardization(max, max));
    try (Autoencoder vae = Autoencoders.load(overflowing, model.weights(), EngineKind.MXNET)) {
      assertThatThrownBy(() -> vae.decode(new Matrix(2, 3, new float[6])))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("latent row 0 decodes to non-finite values: the latents are outside what the decoder maps to "
              + "finite values");
      assertThatThrownBy(() -> vae.sample(3, 1, 2.5, Conditions.NONE))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("sample 0 decodes to non-finite values: temperature 2.5 is outside what the decoder maps to "
              + "finite values");
      assertThatThrownBy(() -> vae.interpolateLatents(new float[3], new float[] {1, 1, 1}, 4, Interpolation.LINEAR,
          Conditions.NONE))
          .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("interpolation step 0 decodes to non-finite");
    }
  }

  @Test
  void inputsThatOverflowTheEncoderAreRefusedByEveryCall() {
    float[] row = new float[FamilyModels.WIDTH];
    Arrays.fill(row, 3e38f);
    Matrix x = new Matrix(1, FamilyModels.WIDTH, row);
    try (Autoencoder vae = Autoencoders.load(FamilyModels.vae().spec(), FamilyModels.vae().weights(), EngineKind.MXNET);
        Autoencoder dae = Autoencoders.load(FamilyModels.dae().spec(), FamilyModels.dae().weights(),
            EngineKind.PYTORCH)) {
      assertThat(vae.spec().domain().check(x)[0]).startsWith("column 0 is 3.0E38, outside the trained range");
      assertThatThrownBy(() -> vae.encode(x))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("input row 0 encodes to non-finite values: the input is outside what the encoder maps to finite "
              + "values");
      // Reconstruct decodes only the posterior mean, which may stay finite when the log-variance
      // does not; the domain check above is what flags this row. Non-finite with OK is not allowed.
      try {
        Reconstruction r = vae.reconstruct(x);
        assertThat(allFinite(r.output()) && Float.isFinite(r.scores()[0])).isTrue();
      } catch (InvalidInputException e) {
        assertThat(e).hasMessageStartingWith("input row 0 reconstructs to non-finite values");
      }
      assertThatThrownBy(() -> vae.interpolateInputs(row, row, 3, Interpolation.LINEAR, Conditions.NONE))
          .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("interpolation endpoint 0 encodes to");
      // PyTorch's sigmoid saturates to finite values here where MXNet's gives NaN: either answer
      // is allowed, a non-finite one with OK is not.
      try {
        assertThat(allFinite(dae.denoise(x))).isTrue();
      } catch (InvalidInputException e) {
        assertThat(e).hasMessageStartingWith("input row 0 denoises to non-finite");
      }
    }
  }

  @Test
  void aValueThatScoresInfinityIsOutsideTheDomainAndTheEngineRefusesToScoreIt() {
    TrainedModel model = TinyModels.mse();
    float[] row = Arrays.copyOf(TinyModels.DATA.data(), TinyModels.WIDTH);
    row[0] = -3.4e38f;
    Matrix x = new Matrix(1, TinyModels.WIDTH, row);
    // Trained before domains were recorded: a sigmoid model's derived domain is [0, 1].
    AutoencoderSpec legacy = AutoencoderSpec.fromJson(model.spec().withInputDomain(null).toJson());

    assertThat(legacy.domain().check(x)[0]).isEqualTo("column 0 is -3.4E38, outside the trained range [0, 1]");
    assertThat(model.spec().domain().check(x)[0]).startsWith("column 0 is -3.4E38, outside");
    try (Autoencoder ae = Autoencoders.load(legacy, model.weights(), EngineKind.MXNET)) {
      assertThatThrownBy(() -> ae.reconstruct(x))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("input row 0 reconstructs to non-finite values: the row is outside what the model maps to "
              + "finite values (see the version's input domain)");
    }
  }

  private static boolean allFinite(Matrix m) {
    for (float v : m.data()) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
