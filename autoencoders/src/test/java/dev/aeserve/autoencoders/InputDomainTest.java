package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each version knows the input domain it was trained on, and one pass tells rows outside it. */
class InputDomainTest {

  @Test
  void rowsOutsideTheDomainGetAShortReasonAndRowsInsideNull() {
    InputDomain unit = InputDomain.unit(16);
    float[] rows = new float[4 * 16];
    Arrays.fill(rows, 0.5f);
    rows[16 + 12] = 5;
    rows[2 * 16] = -3.4e38f;
    rows[3 * 16 + 15] = Float.NaN;

    String[] reasons = unit.check(new Matrix(4, 16, rows));

    assertThat(reasons).containsExactly(null, "column 12 is 5, outside the trained range [0, 1]",
        "column 0 is -3.4E38, outside the trained range [0, 1]", "column 15 is NaN, not a finite value");
    assertThat(InputDomain.unbounded().check(Matrix.of(new float[][] {{1e9f, -3.4e38f}, {-1e14f, 7}})))
        .containsExactly("column 1 is -3.4E38, beyond the magnitude 1e+15 any model takes", null);
    assertThat(InputDomain.nonNegative(2).check(Matrix.of(new float[][] {{-1, 0}, {0, 1e9f}})))
        .containsExactly("column 0 is -1, outside the trained range [0, inf]", null);
    assertThatThrownBy(() -> unit.check(new Matrix(1, 3, new float[3])))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void observedRangesAreWidenedByTheDocumentedMargin() {
    Matrix x = Matrix.of(new float[][] {{1, 5, -2}, {3, 5, 8}});

    InputDomain d = InputDomain.observed(x);

    // Range 2 widens by 0.2; the constant 5 by 10% of its value; range 10 by 1.
    assertThat(d.lower()).containsExactly(0.8f, 4.5f, -3f);
    assertThat(d.upper()).containsExactly(3.2f, 5.5f, 9f);
    assertThat(d.check(x)).containsOnlyNulls();
    assertThat(d.check(Matrix.of(new float[][] {{3.3f, 5, 0}}))[0])
        .isEqualTo("column 0 is 3.3, outside the trained range [0.8, 3.2]");
    InputDomain shared = InputDomain.observedShared(x);
    assertThat(shared.lower()).containsExactly(-3f, -3f, -3f);
    assertThat(shared.upper()).containsExactly(9f, 9f, 9f);
  }

  @Test
  void theSpecCarriesItsDomainInJsonAndOldSpecsDeriveOne() {
    AutoencoderSpec identity = AutoencoderSpec.dense(3, List.of(), 2, "identity", "mse");
    AutoencoderSpec recorded = identity.withInputDomain(InputDomain.observed(Matrix.of(new float[][] {{1, 5, -2}})));

    assertThat(AutoencoderSpec.fromJson(recorded.toJson())).isEqualTo(recorded);
    assertThat(recorded.toJson()).contains("\"inputDomain\":{\"lower\":[");
    assertThat(AutoencoderSpec.fromJson(recorded.toJson()).domain()).isEqualTo(recorded.inputDomain());

    assertThat(identity.inputDomain()).isNull();
    assertThat(identity.domain()).isEqualTo(InputDomain.unbounded());
    assertThat(AutoencoderSpec.dense(3, List.of(), 2, "sigmoid", "bce").domain()).isEqualTo(InputDomain.unit(3));
    assertThat(AutoencoderSpec.dense(3, List.of(), 2, "sigmoid", "mse").domain()).isEqualTo(InputDomain.unit(3));
    assertThat(AutoencoderSpec.fromJson("{\"family\":\"multvae\",\"latentDim\":2,\"itemIds\":[\"a\",\"b\"]}")
        .domain()).isEqualTo(InputDomain.nonNegative(2));

    assertThatThrownBy(() -> identity.withInputDomain(InputDomain.unit(4)))
        .isInstanceOf(InvalidSpecException.class).hasMessage("inputDomain has 4 features, inputDim is 3");
    assertThatThrownBy(() -> AutoencoderSpec.fromJson("{\"family\":\"ae\",\"inputDim\":1,\"latentDim\":1,"
        + "\"inputDomain\":{\"lower\":[2],\"upper\":[1]}}"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("lower <= upper");
  }

  @Test
  void trainingRecordsTheDomainOfItsData() {
    assertThat(FamilyModels.vae().spec().inputDomain()).isEqualTo(InputDomain.unit(FamilyModels.WIDTH));
    assertThat(FamilyModels.dae().spec().inputDomain()).isEqualTo(InputDomain.unit(FamilyModels.WIDTH));
    assertThat(FamilyModels.multvae().spec().inputDomain())
        .isEqualTo(InputDomain.nonNegative(FamilyModels.multvae().spec().inputDim()));
    FamilyModels.Recommenders r = FamilyModels.ratings();
    assertThat(FamilyModels.autorec().spec().inputDomain()).isEqualTo(
        InputDomain.observedShared(r.explicit().training().matrix(new ItemVocabulary(r.items()))));

    // Raw sensor-like values in [-5, 5]: an identity mse model records each feature's own range.
    float[] raw = TinyModels.DATA.data().clone();
    for (int i = 0; i < raw.length; i++) {
      raw[i] = raw[i] * 10 - 5;
    }
    Matrix data = new Matrix(TinyModels.DATA.rows(), TinyModels.WIDTH, raw);
    AutoencoderSpec spec = AutoencoderSpec.dense(TinyModels.WIDTH, List.of(8), 3, "identity", "mse");
    TrainedModel model = new AutoencoderTrainer(TinyModels.CONFIG.withEpochs(2)).train(
        spec.withStandardization(AutoencoderSpec.Standardization.fit(data)), data);
    InputDomain d = model.spec().inputDomain();
    assertThat(d).isEqualTo(InputDomain.observed(data));
    assertThat(d.check(data)).containsOnlyNulls();
    float[] far = Arrays.copyOf(raw, TinyModels.WIDTH);
    far[3] = 50;
    assertThat(d.check(new Matrix(1, TinyModels.WIDTH, far))[0]).startsWith("column 3 is 50, outside the trained range");
  }
}
