package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad calls and bad specs are refused before any engine work, with what is wrong. */
class FamilyBadInputTest {

  @Test
  void cvaeConditionsAreChecked() {
    TrainedModel model = FamilyModels.cvae();
    Matrix x = FamilyModels.conditionalData(3, 1);
    try (Autoencoder cvae = Autoencoders.load(model.spec(), model.weights(), EngineKind.MXNET)) {
      assertThatThrownBy(() -> cvae.encode(x))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("needs a condition per row or one for all");
      assertThatThrownBy(() -> cvae.reconstruct(x, null, Conditions.perRow(0, 3, 1)))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("condition 3 of row 1 is out of range: the model has 3 labels (0 to 2)");
      assertThatThrownBy(() -> cvae.decode(new Matrix(1, 2, new float[2]), Conditions.all(-1)))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("condition -1 is out of range");
      assertThatThrownBy(() -> cvae.encode(x, Conditions.perRow(0, 1), null))
          .isInstanceOf(InvalidInputException.class).hasMessage("2 conditions for 3 rows");
      assertThatThrownBy(() -> Conditions.named(model.spec(), "z"))
          .isInstanceOf(InvalidInputException.class).hasMessage("unknown condition label 'z'; the model knows a, b, c");
      assertThat(cvae.sample(2, 1, 1, Conditions.named(model.spec(), List.of("b", "c"))).output().rows()).isEqualTo(2);
    }
    try (Autoencoder vae = Autoencoders.load(FamilyModels.vae().spec(), FamilyModels.vae().weights(), EngineKind.MXNET)) {
      assertThatThrownBy(() -> vae.encode(FamilyModels.UNSEEN.slice(0, 1), Conditions.all(0), null))
          .isInstanceOf(InvalidInputException.class).hasMessage("family 'vae' takes no conditions");
    }
  }

  @Test
  void sampleAndInterpolationArgumentsAreChecked() {
    try (Autoencoder vae = Autoencoders.load(FamilyModels.vae().spec(), FamilyModels.vae().weights(), EngineKind.MXNET)) {
      assertThatThrownBy(() -> vae.sample(0, 1, 1, Conditions.NONE))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("count must be in [1, 65536], got 0");
      assertThatThrownBy(() -> vae.sample(1 << 20, 1, 1, Conditions.NONE))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("count must be in");
      assertThatThrownBy(() -> vae.sample(3, 1, Double.NaN, Conditions.NONE))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("temperature must be finite");
      assertThatThrownBy(() -> vae.interpolateLatents(new float[3], new float[4], 5, Interpolation.LINEAR,
          Conditions.NONE))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("interpolation endpoint has 4 values, the model expects 3 (latentDim)");
      assertThatThrownBy(() -> vae.interpolateInputs(new float[16], new float[3], 5, Interpolation.SLERP,
          Conditions.NONE))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("(inputDim)");
      assertThatThrownBy(() -> vae.interpolateLatents(new float[3], new float[3], 1, Interpolation.LINEAR,
          Conditions.NONE))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("steps must be in [2, ");
      assertThat(vae.reconstruct(new Matrix(1, 16, new float[16]), ScoreKind.NEG_ELBO, Conditions.NONE).scores()[0])
          .isPositive();
    }
  }

  @Test
  void rpcsAFamilyDoesNotServeNameWhatItServes() {
    try (Autoencoder dae = Autoencoders.load(FamilyModels.dae().spec(), FamilyModels.dae().weights(), EngineKind.MXNET);
        Autoencoder vae = Autoencoders.load(FamilyModels.vae().spec(), FamilyModels.vae().weights(), EngineKind.MXNET);
        Autoencoder multvae = Autoencoders.load(FamilyModels.multvae().spec(), FamilyModels.multvae().weights(),
            EngineKind.MXNET)) {
      assertThatThrownBy(() -> dae.sample(1, 1, 1, Conditions.NONE))
          .isInstanceOf(RpcNotServedException.class)
          .hasMessage("Sample is not served by family 'dae'; it serves Encode, Decode, Reconstruct, Denoise");
      assertThatThrownBy(() -> vae.denoise(FamilyModels.UNSEEN))
          .isInstanceOf(RpcNotServedException.class)
          .hasMessage("Denoise is not served by family 'vae'; it serves Encode, Decode, Reconstruct, Sample");
      assertThatThrownBy(() -> multvae.decode(new Matrix(1, 16, new float[16])))
          .isInstanceOf(RpcNotServedException.class)
          .hasMessage("Decode is not served by family 'multvae'; it serves Encode, Reconstruct, Recommend");
      assertThatThrownBy(() -> dae.recommend(List.of(), RecommendOptions.top(1)))
          .isInstanceOf(RpcNotServedException.class).hasMessageStartingWith("Recommend is not served by family 'dae'");
      assertThatThrownBy(() -> dae.reconstruct(FamilyModels.UNSEEN, ScoreKind.NEG_ELBO, Conditions.NONE))
          .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("score neg_elbo needs a variational family");
      assertThatThrownBy(() -> dae.encode(FamilyModels.UNSEEN, Conditions.NONE, 3L))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("deterministic");
      float[] negative = new float[multvae.spec().inputDim()];
      negative[2] = -1;
      assertThatThrownBy(() -> multvae.scoreItems(new Matrix(1, negative.length, negative)))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("row 0, column 2 is -1.0");
      float[] nan = new float[16];
      nan[4] = Float.NaN;
      assertThatThrownBy(() -> dae.denoise(new Matrix(1, 16, nan)))
          .isInstanceOf(InvalidInputException.class).hasMessage("input row 0, column 4 is NaN; values must be finite");
      assertThatThrownBy(() -> dae.denoise(new Matrix(1, 15, new float[15])))
          .isInstanceOf(InvalidInputException.class).hasMessage("input has 15 values per row, the model expects 16 (inputDim)");
    }
  }

  @Test
  void specsAreValidatedPerFamilyAndOldSpecsStillParse() {
    String old = "{\"family\":\"ae\",\"inputDim\":4,\"latentDim\":2,\"hiddenLayers\":[3],\"activation\":\"relu\","
        + "\"outputActivation\":\"sigmoid\",\"loss\":\"mse\"}";
    AutoencoderSpec ae = AutoencoderSpec.fromJson(old);
    assertThat(ae.toJson()).isEqualTo(old);
    assertThat(AutoencoderSpec.fromJson(FamilyModels.cvae().spec().toJson())).isEqualTo(FamilyModels.cvae().spec());

    assertSpecRefused("{\"family\":\"cvae\",\"inputDim\":4,\"latentDim\":2}", "cvae needs conditionLabels");
    assertSpecRefused("{\"family\":\"ae\",\"inputDim\":4,\"latentDim\":2,\"beta\":2}",
        "beta applies to vae, cvae, multvae, not to family 'ae'");
    assertSpecRefused("{\"family\":\"conv_ae\",\"latentDim\":2,\"inputShape\":[1,28]}", "conv_ae needs inputShape");
    assertSpecRefused("{\"family\":\"conv_ae\",\"latentDim\":2,\"inputShape\":[1,6,6],\"convChannels\":[4,4,4]}",
        "height and width must be at least 8");
    assertSpecRefused("{\"family\":\"conv_ae\",\"inputDim\":10,\"latentDim\":2,\"inputShape\":[1,4,4]}",
        "inputShape [1, 4, 4] has 16 values, inputDim is 10");
    assertSpecRefused("{\"family\":\"autorec\",\"latentDim\":2,\"itemIds\":[\"a\",\"a\"]}", "itemIds lists 'a' twice");
    assertSpecRefused("{\"family\":\"autorec\",\"latentDim\":2,\"itemIds\":[\"a\",\"b\"],\"basis\":\"item\"}",
        "item-based AutoRec is not supported");
    assertSpecRefused("{\"family\":\"multvae\",\"latentDim\":2,\"itemIds\":[\"a\",\"b\"],\"loss\":\"mse\"}",
        "multvae's loss is multinomial");
    assertSpecRefused("{\"family\":\"dae\",\"inputDim\":4,\"latentDim\":2,\"noise\":{\"maskProbability\":1.5}}",
        "maskProbability must be in [0, 1)");
    assertSpecRefused("{\"family\":\"ae\",\"inputDim\":4,\"latentDim\":2,\"regularization\":{\"sparsityWeight\":1}}",
        "sparsityTarget must be in (0, 1)");
    AutoencoderSpec conv = AutoencoderSpec.fromJson("{\"family\":\"conv_ae\",\"latentDim\":8,\"inputShape\":[1,28,28]}");
    assertThat(conv.inputDim()).isEqualTo(784);
    assertThat(conv.convChannels()).containsExactly(8, 16);
    assertThat(AutoencoderSpec.fromJson("{\"family\":\"dae\",\"inputDim\":4,\"latentDim\":2}").noise())
        .isEqualTo(Corruption.gaussian(0.1));
  }

  private static void assertSpecRefused(String json, String message) {
    assertThatThrownBy(() -> AutoencoderSpec.fromJson(json))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining(message);
  }
}
