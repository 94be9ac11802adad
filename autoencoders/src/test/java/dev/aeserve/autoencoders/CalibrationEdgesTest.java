package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The edges of a calibration's validation and verdict, one past each limit. Written when mutation
 * testing showed these comparisons could move by one without a test noticing (docs/testing.md).
 */
class CalibrationEdgesTest {

  @Test
  void aScoreEqualToTheThresholdIsNotAnomalous() {
    Calibration c = new Calibration(0.5, "mse", "percentile", 99, 100);
    assertThat(c.isAnomalous(0.5)).isFalse();
    assertThat(c.isAnomalous(Math.nextUp(0.5))).isTrue();
    assertThat(c.isAnomalous(0.25)).isFalse();
  }

  @Test
  void aPercentileIsInZeroExclusiveToAHundredInclusive() {
    assertThat(new Calibration(1, "mse", "percentile", 100, 1).parameter()).isEqualTo(100);
    assertThatThrownBy(() -> new Calibration(1, "mse", "percentile", Math.nextUp(100.0), 1))
        .hasMessageStartingWith("calibration parameter of method percentile must be in (0, 100]");
    assertThatThrownBy(() -> new Calibration(1, "mse", "percentile", 0, 1))
        .hasMessage("calibration parameter of method percentile must be in (0, 100], got 0.0");
    assertThat(new Calibration(1, "mse", "percentile", Double.MIN_VALUE, 1).parameter()).isPositive();
    // Another method takes any finite parameter, zero included.
    assertThat(new Calibration(1, "mse", "mean_k_sigma", 0, 1).parameter()).isZero();
  }

  @Test
  void oneHeldOutRowIsEnoughAndNoneIsNot() {
    assertThat(new Calibration(1, "bce", "mean_k_sigma", 3, 1).sampleCount()).isOne();
    assertThatThrownBy(() -> new Calibration(1, "bce", "mean_k_sigma", 3, 0))
        .hasMessageStartingWith("calibration sampleCount must be >= 1");
  }

  @Test
  void quantilesAreKeyedFromZeroToOneInclusiveAndEveryOneIsChecked() {
    Calibration ends = new Calibration(1, "mse", "percentile", 99, 10, Map.of("0", 0.1, "1", 2.0));
    assertThat(ends.quantiles()).containsEntry("0", 0.1).containsEntry("1", 2.0);
    assertThatThrownBy(() -> new Calibration(1, "mse", "percentile", 99, 10, Map.of("1.0000001", 2.0)))
        .hasMessageStartingWith("calibration quantiles are keyed by a number in [0, 1]");
    assertThatThrownBy(() -> new Calibration(1, "mse", "percentile", 99, 10, Map.of("-0.0001", 2.0)))
        .hasMessageStartingWith("calibration quantiles are keyed by a number in [0, 1]");
    assertThatThrownBy(() -> new Calibration(1, "mse", "percentile", 99, 10,
        new java.util.TreeMap<>(Map.of("0.5", 1.0, "0.9", Double.NaN))))
        .hasMessage("calibration quantile 0.9 must be a finite score, got NaN");
  }

  @Test
  void describedForPeopleAndParsedBack() {
    Calibration c = new Calibration(0.75, "mse", "percentile", 99.5, 6000);
    assertThat(c.description()).isEqualTo("99.5th percentile of 6000 held-out rows");
    assertThat(new Calibration(0.75, "mse", "mean_k_sigma", 3, 40).description())
        .isEqualTo("mean + 3 sigma of 40 held-out rows");
    assertThat(Calibration.fromJson(c.toJson())).isEqualTo(c);
    assertThat(Calibration.fromJson("{}")).isNull();
    assertThat(Calibration.fromJson("  ")).isNull();
    assertThatThrownBy(() -> Calibration.fromJson("null")).hasMessage("calibration must be a JSON object, found JSON null");
    // A stored calibration whose fields break a rule fails with that rule, not with Jackson's words.
    assertThatThrownBy(() -> Calibration.fromJson("{\"threshold\": 1, \"scoreKind\": \"mse\", \"method\": \"percentile\","
        + " \"parameter\": 99, \"sampleCount\": 0}"))
        .isInstanceOf(InvalidSpecException.class).hasMessageStartingWith("calibration sampleCount must be >= 1");
    assertThatThrownBy(() -> Calibration.fromJson("{\"threshold\": ")).isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith("calibration is not valid JSON: ");
  }

  @Test
  void aCalibrationFitsOnlyAFamilyThatComputesItsScore() {
    AutoencoderSpec dense = AutoencoderSpec.dense(4, List.of(3), 2, "sigmoid", "mse");
    Calibration mse = new Calibration(1, "mse", "percentile", 99, 10);
    assertThat(mse.requireFits(dense)).isSameAs(mse);
    assertThatThrownBy(() -> new Calibration(1, "neg_elbo", "percentile", 99, 10).requireFits(dense))
        .hasMessage("calibration scoreKind neg_elbo is not a score family 'ae' computes; neg_elbo needs a variational"
            + " family (vae, cvae, multvae)");
  }
}
