package dev.aeserve.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Corruption;
import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.InvalidInputException;
import dev.aeserve.autoencoders.Interpolation;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.ScoreKind;
import dev.aeserve.server.FamilyCapabilityException;
import dev.aeserve.server.InvalidRequestException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The gate every call passes before it is queued, on its own: each limit at its edge and one past
 * it, each refusal's message naming what is wrong and where, and what an admitted request carries
 * on to the lanes. The server tests (BadInputTest, LimitsTableTest) check the same refusals
 * arrive as the right gRPC status; these check the gate's own decisions, fast enough for PIT.
 */
class AdmissionTest {

  private static final int MAX_ROWS = 4;
  private static final Admission ADMISSION = new Admission(new RequestLimits(MAX_ROWS));

  /** 3 inputs, 2 latents, unconditional, deterministic, scored by MSE. */
  private static final AutoencoderSpec AE = AutoencoderSpec.dense(3, List.of(4), 2, "sigmoid", "mse");
  private static final AutoencoderSpec AE_BCE = AutoencoderSpec.dense(3, List.of(4), 2, "sigmoid", "bce");
  private static final AutoencoderSpec VAE = AutoencoderSpec.vae(3, List.of(4), 2, "sigmoid", "mse", 1.0);
  private static final AutoencoderSpec CVAE =
      AutoencoderSpec.cvae(3, List.of(4), 2, "sigmoid", "mse", 1.0, List.of("cat", "dog", "owl"));
  private static final AutoencoderSpec AUTOREC = AutoencoderSpec.autorec(List.of("a", "b", "c"), List.of(4), 2);

  private static Matrix rows(int rows, int cols, float fill) {
    float[] data = new float[rows * cols];
    java.util.Arrays.fill(data, fill);
    return new Matrix(rows, cols, data);
  }

  // ---- inputs and latents ----

  @Test
  void admittedInputsCarryTheirOwnMatrixAndNoLabelsForAnUnconditionalFamily() {
    Matrix x = new Matrix(2, 3, new float[] {1, 2, 3, 4, 5, 6});
    Rows admitted = ADMISSION.inputs(AE, x, List.of());
    assertThat(admitted.x()).isEqualTo(x);
    assertThat(admitted.labels()).isNull();
  }

  @Test
  void rowCountIsLimitedByMaxRowsExactly() {
    assertThat(ADMISSION.inputs(AE, rows(MAX_ROWS, 3, 1), List.of()).x().rows()).isEqualTo(MAX_ROWS);
    assertThatThrownBy(() -> ADMISSION.inputs(AE, rows(MAX_ROWS + 1, 3, 1), List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("inputs has 5 rows; at most 4 rows are allowed per request");
    assertThatThrownBy(() -> ADMISSION.latents(AE, rows(MAX_ROWS + 1, 2, 1), List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("latents has 5 rows; at most 4 rows are allowed per request");
  }

  @Test
  void emptyInputsAndLatentsAreRefusedNamingTheWidthExpected() {
    assertThatThrownBy(() -> ADMISSION.inputs(AE, new Matrix(0, 3, new float[0]), List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("inputs is empty: send at least one row of 3 values (inputDim)");
    assertThatThrownBy(() -> ADMISSION.latents(AE, new Matrix(0, 2, new float[0]), List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("latents is empty: send at least one row of 2 values (latentDim)");
  }

  @Test
  void aRowOfTheWrongWidthIsRefusedWithBothWidths() {
    assertThatThrownBy(() -> ADMISSION.inputs(AE, rows(1, 2, 1), List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("inputs has 2 values per row, the model expects 3 (inputDim)");
    assertThatThrownBy(() -> ADMISSION.latents(AE, rows(1, 3, 1), List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("latents has 3 values per row, the model expects 2 (latentDim)");
    assertThat(ADMISSION.latents(AE, rows(1, 2, 1), List.of()).x().cols()).isEqualTo(2);
  }

  @Test
  void aNonFiniteValueIsRefusedAtItsRowAndColumn() {
    float[] data = {1, 2, 3, 4, 5, Float.NaN};
    assertThatThrownBy(() -> ADMISSION.inputs(AE, new Matrix(2, 3, data), List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("inputs row 1 column 2 is NaN; values must be finite");
    float[] latent = {0, 0, Float.NEGATIVE_INFINITY, 0};
    assertThatThrownBy(() -> ADMISSION.latents(AE, new Matrix(2, 2, latent), List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("latents row 1 column 0 is -Infinity; values must be finite");
  }

  @Test
  void inputMagnitudeIsBoundedAndTheRefusalSaysWhere() {
    float largest = (float) RequestLimits.MAX_ABS_INPUT; // the float just below 1e15
    float beyond = Math.nextUp((float) RequestLimits.MAX_ABS_INPUT);
    assertThat(ADMISSION.inputs(AE, new Matrix(1, 3, new float[] {largest, -largest, 0}), List.of())).isNotNull();
    assertThatThrownBy(() -> ADMISSION.inputs(AE, new Matrix(2, 3, new float[] {0, 0, 0, 0, -beyond, 0}), List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("inputs row 1 column 1 is " + (-beyond) + "; input values must be within +/-1e+15");
  }

  @Test
  void latentMagnitudeIsBoundedAtExactlyTheLimit() {
    float limit = (float) RequestLimits.MAX_ABS_LATENT; // 1e8 is a float exactly
    assertThat((double) limit).isEqualTo(RequestLimits.MAX_ABS_LATENT);
    assertThat(ADMISSION.latents(AE, new Matrix(1, 2, new float[] {limit, -limit}), List.of())).isNotNull();
    float beyond = Math.nextUp(limit);
    assertThatThrownBy(() -> ADMISSION.latents(AE, new Matrix(2, 2, new float[] {0, 0, 0, beyond}), List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("latents row 1 column 1 is " + beyond + "; latent values must be within +/-1e+08");
  }

  // ---- condition labels ----

  @Test
  void oneLabelAppliesToEveryRowAndOneLabelPerRowIsKeptInOrder() {
    assertThat(ADMISSION.inputs(CVAE, rows(3, 3, 0), List.of("dog")).labels()).containsExactly(1, 1, 1);
    assertThat(ADMISSION.inputs(CVAE, rows(3, 3, 0), List.of("owl", "cat", "dog")).labels()).containsExactly(2, 0, 1);
    assertThat(ADMISSION.latents(CVAE, rows(2, 2, 0), List.of("owl")).labels()).containsExactly(2, 2);
  }

  @Test
  void labelsForAnUnconditionalFamilyAreAFamilyCapabilityRefusal() {
    assertThatThrownBy(() -> ADMISSION.inputs(AE, rows(1, 3, 0), List.of("dog")))
        .isInstanceOf(FamilyCapabilityException.class)
        .hasMessage("family 'ae' is not conditional; leave condition empty");
  }

  @Test
  void aConditionalFamilyNeedsItsLabelsOnePerRowOrOneForAll() {
    assertThatThrownBy(() -> ADMISSION.inputs(CVAE, rows(2, 3, 0), List.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("needs a condition per row or one for all");
    assertThatThrownBy(() -> ADMISSION.inputs(CVAE, rows(3, 3, 0), List.of("cat", "dog")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("2 conditions for 3 rows");
    assertThatThrownBy(() -> ADMISSION.inputs(CVAE, rows(1, 3, 0), List.of("emu")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unknown condition label 'emu'");
  }

  @Test
  void readmittedRowsKeepEachRowsLabelByNameWhereTheOtherVersionNumbersThemDifferently() {
    AutoencoderSpec reordered =
        AutoencoderSpec.cvae(3, List.of(4), 2, "sigmoid", "mse", 1.0, List.of("owl", "dog", "cat"));
    Rows admitted = ADMISSION.inputs(CVAE, rows(3, 3, 0.5f), List.of("cat", "owl", "dog"));
    Rows again = ADMISSION.readmit(CVAE, reordered, admitted);
    assertThat(again.labels()).containsExactly(2, 0, 1);
    assertThat(again.x()).isEqualTo(admitted.x());
  }

  @Test
  void readmittingChecksTheRowsAgainstTheOtherVersion() {
    Rows unlabelled = ADMISSION.inputs(AE, rows(2, 3, 1), List.of());
    assertThat(ADMISSION.readmit(AE, VAE, unlabelled).labels()).isNull();
    AutoencoderSpec wider = AutoencoderSpec.dense(5, List.of(4), 2, "sigmoid", "mse");
    assertThatThrownBy(() -> ADMISSION.readmit(AE, wider, unlabelled))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("inputs has 3 values per row, the model expects 5 (inputDim)");
  }

  // ---- corruption, scores, posterior ----

  @Test
  void corruptedRowsKeepTheirLabelsAndMustStayFinite() {
    Rows clean = ADMISSION.inputs(CVAE, rows(2, 3, 0.5f), List.of("dog", "cat"));
    Rows noisy = ADMISSION.corrupted(clean, Corruption.gaussian(0.1), 7);
    assertThat(noisy.labels()).containsExactly(1, 0);
    assertThat(noisy.x()).isEqualTo(Corruption.gaussian(0.1).apply(clean.x(), 7));
    assertThat(noisy.x()).isNotEqualTo(clean.x());
    // Noise this large overflows a float: the corrupted rows are not computed.
    assertThatThrownBy(() -> ADMISSION.corrupted(clean, Corruption.gaussian(1e300), 7))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageStartingWith("corrupted inputs row 0 column 0 is ")
        .hasMessageEndingWith("; values must be finite");
  }

  @Test
  void noScoreAskedMeansTheVersionsOwnAndEachFamilyGetsOnlyTheScoresItComputes() {
    assertThat(ADMISSION.scoreKind(AE, null)).isEqualTo(ScoreKind.MSE);
    assertThat(ADMISSION.scoreKind(AE_BCE, null)).isEqualTo(ScoreKind.BCE);
    assertThat(ADMISSION.scoreKind(AE, ScoreKind.BCE)).isEqualTo(ScoreKind.BCE);
    assertThat(ADMISSION.scoreKind(VAE, ScoreKind.NEG_ELBO)).isEqualTo(ScoreKind.NEG_ELBO);
    assertThat(ADMISSION.scoreKind(AUTOREC, ScoreKind.MSE)).isEqualTo(ScoreKind.MSE);
    assertThatThrownBy(() -> ADMISSION.scoreKind(AE, ScoreKind.NEG_ELBO))
        .isInstanceOf(FamilyCapabilityException.class)
        .hasMessage("score_kind NEGATIVE_ELBO needs a variational family; family 'ae' scores with MSE or BCE");
    assertThatThrownBy(() -> ADMISSION.scoreKind(AUTOREC, ScoreKind.BCE))
        .isInstanceOf(FamilyCapabilityException.class)
        .hasMessageStartingWith("score_kind BCE does not apply to family 'autorec'");
    assertThatThrownBy(() -> ADMISSION.scoreKind(VAE, ScoreKind.MSE_MAHALANOBIS))
        .isInstanceOf(FamilyCapabilityException.class)
        .hasMessage("score_kind MSE_MAHALANOBIS needs a version trained with a latent density; this version of"
            + " family 'vae' has none (its default score is mse)");
  }

  @Test
  void sampleTrueNeedsAPosterior() {
    ADMISSION.requirePosterior(VAE);
    ADMISSION.requirePosterior(CVAE);
    assertThatThrownBy(() -> ADMISSION.requirePosterior(AE))
        .isInstanceOf(FamilyCapabilityException.class)
        .hasMessage("sample=true needs a family with a posterior to sample from; family 'ae' has a deterministic"
            + " encoder");
  }

  // ---- sample and interpolate ----

  @Test
  void sampleCountRunsFromOneToMaxRows() {
    SampleTask one = ADMISSION.sample(VAE, 1, 42, null, List.of());
    assertThat(one.count()).isEqualTo(1);
    assertThat(one.seed()).isEqualTo(42);
    assertThat(one.temperature()).isEqualTo(1.0);
    assertThat(one.interpolates()).isFalse();
    assertThat(one.conditions().isNone()).isTrue();
    assertThat(ADMISSION.sample(VAE, MAX_ROWS, 1, null, List.of()).count()).isEqualTo(MAX_ROWS);
    for (long bad : new long[] {0, -1, MAX_ROWS + 1}) {
      assertThatThrownBy(() -> ADMISSION.sample(VAE, bad, 1, null, List.of()))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessage("count must be in [1, 4], got " + bad);
    }
  }

  @Test
  void temperatureIsAboveZeroAndAtMostTheMaximum() {
    assertThat(ADMISSION.sample(VAE, 1, 1, 0.25f, List.of()).temperature()).isEqualTo(0.25);
    float max = (float) RequestLimits.MAX_TEMPERATURE;
    assertThat(ADMISSION.sample(VAE, 1, 1, max, List.of()).temperature()).isEqualTo(RequestLimits.MAX_TEMPERATURE);
    assertThat(ADMISSION.sample(VAE, 1, 1, Float.MIN_VALUE, List.of()).temperature()).isPositive();
    for (float bad : new float[] {0f, -0.5f, Math.nextUp(max), Float.NaN, Float.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> ADMISSION.sample(VAE, 1, 1, bad, List.of()))
          .as("temperature %s", bad)
          .isInstanceOf(InvalidRequestException.class)
          .hasMessage("temperature must be in (0, 1000.0], got " + bad);
    }
  }

  @Test
  void sampledConditionsAreCheckedAgainstTheCount() {
    SampleTask task = ADMISSION.sample(CVAE, 3, 1, null, List.of("owl"));
    assertThat(task.conditions().resolve(CVAE, 3)).containsExactly(2, 2, 2);
    assertThatThrownBy(() -> ADMISSION.sample(CVAE, 3, 1, null, List.of("owl", "cat")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("2 conditions for 3 rows");
    assertThatThrownBy(() -> ADMISSION.sample(VAE, 1, 1, null, List.of("owl")))
        .isInstanceOf(FamilyCapabilityException.class);
  }

  @Test
  void interpolationCarriesItsEndpointsStepsAndMethod() {
    Matrix ends = new Matrix(2, 2, new float[] {1, 2, 3, 4});
    SampleTask task = ADMISSION.interpolate(VAE, 3, Interpolation.SLERP, ends, false, 9, 0.5f, List.of());
    assertThat(task.interpolates()).isTrue();
    assertThat(task.interpolation()).isEqualTo(Interpolation.SLERP);
    assertThat(task.from()).containsExactly(1, 2);
    assertThat(task.to()).containsExactly(3, 4);
    assertThat(task.steps()).isEqualTo(3);
    assertThat(task.endpointsAreInputs()).isFalse();
    assertThat(task.seed()).isEqualTo(9);
    assertThat(task.temperature()).isEqualTo(0.5);
    assertThat(task.count()).isZero();
    SampleTask fromInputs =
        ADMISSION.interpolate(VAE, 2, Interpolation.LINEAR, rows(2, 3, 1), true, 9, null, List.of());
    assertThat(fromInputs.endpointsAreInputs()).isTrue();
    assertThat(fromInputs.from()).containsExactly(1, 1, 1);
  }

  @Test
  void interpolationStepsRunFromTwoToTheSmallerOfMaxRowsAndMaxSteps() {
    Matrix ends = rows(2, 2, 0);
    assertThat(ADMISSION.interpolate(VAE, MAX_ROWS, Interpolation.LINEAR, ends, false, 1, null, List.of()).steps())
        .isEqualTo(MAX_ROWS);
    for (long bad : new long[] {1, MAX_ROWS + 1}) {
      assertThatThrownBy(() -> ADMISSION.interpolate(VAE, bad, Interpolation.LINEAR, ends, false, 1, null, List.of()))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessage("interpolation.steps must be in [2, 4], got " + bad);
    }
    Admission roomy = new Admission(new RequestLimits(RequestLimits.MAX_STEPS + 100));
    assertThat(roomy.interpolate(VAE, RequestLimits.MAX_STEPS, Interpolation.LINEAR, ends, false, 1, null, List.of())
        .steps()).isEqualTo(RequestLimits.MAX_STEPS);
    assertThatThrownBy(() -> roomy.interpolate(VAE, RequestLimits.MAX_STEPS + 1, Interpolation.LINEAR, ends, false,
        1, null, List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("interpolation.steps must be in [2, 4096], got 4097");
  }

  @Test
  void interpolationEndpointsMustBeTwoRowsOfTheRightWidth() {
    assertThatThrownBy(() -> ADMISSION.interpolate(VAE, 3, Interpolation.LINEAR, null, true, 1, null, List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("interpolation needs its two endpoints, as inputs or as latents");
    assertThatThrownBy(() -> ADMISSION.interpolate(VAE, 3, Interpolation.LINEAR, rows(3, 3, 0), true, 1, null,
        List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("interpolation endpoints must be 2 rows of 3 values (inputDim), got 3x3");
    assertThatThrownBy(() -> ADMISSION.interpolate(VAE, 3, Interpolation.LINEAR, rows(2, 3, 0), false, 1, null,
        List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("interpolation endpoints must be 2 rows of 2 values (latentDim), got 2x3");
  }

  @Test
  void interpolationEndpointsMustBeFiniteAndWithinTheirOwnBound() {
    assertThatThrownBy(() -> ADMISSION.interpolate(VAE, 3, Interpolation.LINEAR,
        new Matrix(2, 2, new float[] {0, 0, 0, Float.NaN}), false, 1, null, List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("interpolation.latents row 1 column 1 is NaN; values must be finite");
    // 1e9 is a fine input value but beyond the latent bound.
    Matrix big = new Matrix(2, 2, new float[] {0, 0, 1e9f, 0});
    assertThatThrownBy(() -> ADMISSION.interpolate(VAE, 3, Interpolation.LINEAR, big, false, 1, null, List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("interpolation.latents row 1 column 0 is 1.0E9; latent values must be within +/-1e+08");
    Matrix bigInputs = new Matrix(2, 3, new float[] {0, 0, 0, 1e9f, 0, 0});
    assertThat(ADMISSION.interpolate(VAE, 3, Interpolation.LINEAR, bigInputs, true, 1, null, List.of())).isNotNull();
    Matrix hugeInputs = new Matrix(2, 3, new float[] {0, 2e15f, 0, 0, 0, 0});
    assertThatThrownBy(() -> ADMISSION.interpolate(VAE, 3, Interpolation.LINEAR, hugeInputs, true, 1, null,
        List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageStartingWith("interpolation.inputs row 0 column 1 is ")
        .hasMessageEndingWith("; input values must be within +/-1e+15");
  }

  @Test
  void interpolationConditionsAreCheckedAgainstTheSteps() {
    Matrix ends = rows(2, 2, 0);
    SampleTask task = ADMISSION.interpolate(CVAE, 3, Interpolation.LINEAR, ends, false, 1, null, List.of("cat"));
    assertThat(task.conditions().resolve(CVAE, 3)).containsExactly(0, 0, 0);
    assertThatThrownBy(() -> ADMISSION.interpolate(CVAE, 3, Interpolation.LINEAR, ends, false, 1, null,
        List.of("cat", "dog")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("2 conditions for 3 rows");
    assertThatThrownBy(() -> ADMISSION.interpolate(VAE, 3, Interpolation.LINEAR, ends, false, 1, 0f, List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageStartingWith("temperature must be in (0, ");
  }

  // ---- recommend ----

  private static final List<Interaction> HISTORY = List.of(new Interaction("a", 1), new Interaction("b", 0.5f));

  @Test
  void anAdmittedRecommendCarriesEachHistoryAndTheRankingOptions() {
    RecommendTask task = ADMISSION.recommend(List.of("alice", "bob"), List.of(HISTORY, List.of(new Interaction("c", 2))),
        7, true, List.of("a", "c"), List.of("b"));
    assertThat(task.users()).containsExactly(HISTORY, List.of(new Interaction("c", 2)));
    assertThat(task.options().k()).isEqualTo(7);
    assertThat(task.options().excludeSeen()).isTrue();
    assertThat(task.options().candidates()).isEqualTo(Set.of("a", "c"));
    assertThat(task.options().excluded()).isEqualTo(Set.of("b"));
    assertThat(ADMISSION.recommend(List.of("alice"), List.of(HISTORY), 1, false, List.of(), List.of())
        .options().excludeSeen()).isFalse();
  }

  @Test
  void recommendNeedsUsersAndAtMostTheSmallerOfMaxRowsAndMaxUsers() {
    assertThatThrownBy(() -> ADMISSION.recommend(List.of(), List.of(), 1, false, List.of(), List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("users is empty; send at least one user's history");
    List<String> ids = List.of("u0", "u1", "u2", "u3", "u4");
    assertThat(ADMISSION.recommend(ids.subList(0, MAX_ROWS), java.util.Collections.nCopies(MAX_ROWS, HISTORY), 1,
        false, List.of(), List.of()).users()).hasSize(MAX_ROWS);
    assertThatThrownBy(() -> ADMISSION.recommend(ids, java.util.Collections.nCopies(5, HISTORY), 1, false, List.of(),
        List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("5 users in one call; at most 4");
    Admission roomy = new Admission(new RequestLimits(RequestLimits.MAX_USERS + 10));
    int over = RequestLimits.MAX_USERS + 1;
    List<String> many = java.util.stream.IntStream.range(0, over).mapToObj(i -> "u" + i).toList();
    assertThat(roomy.recommend(many.subList(0, RequestLimits.MAX_USERS),
        java.util.Collections.nCopies(RequestLimits.MAX_USERS, HISTORY), 1, false, List.of(), List.of()).users())
        .hasSize(RequestLimits.MAX_USERS);
    assertThatThrownBy(() -> roomy.recommend(many, java.util.Collections.nCopies(over, HISTORY), 1, false, List.of(),
        List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage(over + " users in one call; at most " + RequestLimits.MAX_USERS);
  }

  @Test
  void kRunsFromOneToMaxK() {
    assertThat(ADMISSION.recommend(List.of("u"), List.of(HISTORY), RequestLimits.MAX_K, false, List.of(), List.of())
        .options().k()).isEqualTo(RequestLimits.MAX_K);
    for (long bad : new long[] {0, RequestLimits.MAX_K + 1L}) {
      assertThatThrownBy(() -> ADMISSION.recommend(List.of("u"), List.of(HISTORY), bad, false, List.of(), List.of()))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessage("k must be in [1, " + RequestLimits.MAX_K + "], got " + bad);
    }
  }

  @Test
  void anEmptyOrNonFiniteHistoryIsRefusedNamingTheUserAndItem() {
    assertThatThrownBy(() -> ADMISSION.recommend(List.of("alice", "bob"), List.of(HISTORY, List.of()), 1, false,
        List.of(), List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("user 1 (bob) has an empty history");
    assertThatThrownBy(() -> ADMISSION.recommend(List.of("alice"),
        List.of(List.of(new Interaction("a", 1), new Interaction("zz", Float.POSITIVE_INFINITY))), 1, false, List.of(),
        List.of()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("user 0 (alice) item 'zz' has value Infinity; values must be finite");
  }

  // ---- limits and rows ----

  @Test
  void maxRowsIsAtLeastOneAndDefaultsToTheDocumentedValue() {
    assertThat(new RequestLimits(1).maxRows()).isEqualTo(1);
    assertThatThrownBy(() -> new RequestLimits(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxRows must be >= 1, got 0");
    assertThat(RequestLimits.defaults().maxRows()).isEqualTo(RequestLimits.DEFAULT_MAX_ROWS).isEqualTo(8192);
    assertThat(ADMISSION.limits().maxRows()).isEqualTo(MAX_ROWS);
  }

  @Test
  void rowsOfManyRequestsConcatenateInOrderWithTheirLabels() {
    Rows a = ADMISSION.inputs(CVAE, new Matrix(1, 3, new float[] {1, 2, 3}), List.of("owl"));
    Rows b = ADMISSION.inputs(CVAE, new Matrix(2, 3, new float[] {4, 5, 6, 7, 8, 9}), List.of("cat", "dog"));
    Rows both = Rows.concat(List.of(a, b));
    assertThat(both.x()).isEqualTo(new Matrix(3, 3, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}));
    assertThat(both.labels()).containsExactly(2, 0, 1);
    assertThat(both.conditions().resolve(CVAE, 3)).containsExactly(2, 0, 1);
    Rows plain = Rows.concat(List.of(ADMISSION.inputs(AE, rows(1, 3, 1), List.of()),
        ADMISSION.inputs(AE, rows(1, 3, 2), List.of())));
    assertThat(plain.labels()).isNull();
    assertThat(plain.conditions().isNone()).isTrue();
    assertThat(plain.x().data()).containsExactly(1, 1, 1, 2, 2, 2);
  }

  @Test
  void rowsOfAnotherShapeAreNeverMergedIntoABatch() {
    Rows three = ADMISSION.inputs(AE, rows(1, 3, 1), List.of());
    Rows two = ADMISSION.latents(AE, rows(1, 2, 1), List.of());
    Rows labelled = ADMISSION.inputs(CVAE, rows(1, 3, 1), List.of("cat"));
    assertThatThrownBy(() -> Rows.concat(List.of(three, two)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a batch part is 2 wide; the batch is 3 wide: admission let through rows of another shape");
    assertThatThrownBy(() -> Rows.concat(List.of(three, labelled)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a batch part is 3 wide, labelled; the batch is 3 wide: admission let through rows of another"
            + " shape");
    assertThatThrownBy(() -> Rows.concat(List.of(labelled, three)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a batch part is 3 wide; the batch is 3 wide, labelled: admission let through rows of another"
            + " shape");
    assertThatThrownBy(() -> new Rows(rows(2, 3, 0), new int[] {0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("1 labels for 2 rows");
  }

  @Test
  void rowsAreEqualByValueAndSayTheirShape() {
    Rows a = ADMISSION.inputs(CVAE, rows(2, 3, 1), List.of("cat"));
    Rows same = ADMISSION.inputs(CVAE, rows(2, 3, 1), List.of("cat"));
    Rows otherLabel = ADMISSION.inputs(CVAE, rows(2, 3, 1), List.of("dog"));
    Rows otherValues = ADMISSION.inputs(CVAE, rows(2, 3, 2), List.of("cat"));
    assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
    assertThat(a).isNotEqualTo(otherLabel).isNotEqualTo(otherValues).isNotEqualTo("rows");
    assertThat(a.hashCode()).isNotEqualTo(otherLabel.hashCode());
    assertThat(a).hasToString("Rows[2x3, labelled]");
    assertThat(ADMISSION.inputs(AE, rows(1, 3, 1), List.of())).hasToString("Rows[1x3]");
  }
}
