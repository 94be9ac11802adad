package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AutoencoderSpecTest {

  @Test
  void jsonRoundTripKeepsEverythingIncludingStandardization() {
    AutoencoderSpec spec = new AutoencoderSpec(Family.AE, 4, 2, List.of(8, 3), "tanh", "identity", "mse",
        new AutoencoderSpec.Standardization(new float[] {1, 2, 3, 4}, new float[] {0.5f, 1, 2, 4}));

    AutoencoderSpec back = AutoencoderSpec.fromJson(spec.toJson());

    assertThat(back).isEqualTo(spec);
    assertThat(spec.toJson()).contains("\"family\":\"ae\"");
  }

  @Test
  void defaultsAreFilledIn() {
    AutoencoderSpec spec = AutoencoderSpec.fromJson("{\"family\":\"ae\",\"inputDim\":10,\"latentDim\":2}");

    assertThat(spec.activation()).isEqualTo("relu");
    assertThat(spec.outputActivation()).isEqualTo("identity");
    assertThat(spec.loss()).isEqualTo("mse");
    assertThat(spec.hiddenLayers()).isEmpty();
  }

  @Test
  void invalidSpecsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> AutoencoderSpec.fromJson("{\"family\":\"gan\",\"inputDim\":10,\"latentDim\":2}"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("unknown family 'gan'");
    assertThatThrownBy(() -> AutoencoderSpec.fromJson("{\"family\":\"ae\",\"inputDim\":0,\"latentDim\":2}"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("inputDim");
    assertThatThrownBy(() -> AutoencoderSpec.dense(10, List.of(-1), 2, "sigmoid", "mse"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("hiddenLayers[0]");
    assertThatThrownBy(() -> AutoencoderSpec.dense(10, List.of(), 2, "identity", "bce"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("bce needs outputActivation sigmoid");
    assertThatThrownBy(() -> AutoencoderSpec.dense(10, List.of(), 2, "softmax", "mse"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("outputActivation");
    assertThatThrownBy(() -> AutoencoderSpec.fromJson("{not json"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> AutoencoderSpec.dense(3, List.of(), 2, "identity", "mse").withStandardization(
        new AutoencoderSpec.Standardization(new float[] {0, 0}, new float[] {1, 1})))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("standardization has 2 features");
  }

  @Test
  void standardizationFitsMeansAndScales() {
    Matrix x = Matrix.of(new float[][] {{1, 5}, {3, 5}});

    AutoencoderSpec.Standardization s = AutoencoderSpec.Standardization.fit(x);

    assertThat(s.means()).containsExactly(2f, 5f);
    assertThat(s.scales()).containsExactly(1f, 1f); // sd 1, and a constant feature gets 1
    float[] applied = s.apply(x.data());
    assertThat(applied).containsExactly(-1f, 0f, 1f, 0f);
    s.undoInPlace(applied);
    assertThat(applied).containsExactly(x.data());
  }
}
