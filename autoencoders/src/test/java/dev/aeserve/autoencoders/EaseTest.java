package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.aeserve.autoencoders.evaluation.RankingMetrics;
import dev.aeserve.autoencoders.evaluation.RecommenderEvaluator;
import java.util.List;
import org.junit.jupiter.api.Test;

class EaseTest {

  private static TrainedModel ease() {
    FamilyModels.Recommenders r = FamilyModels.ratings();
    List<String> items = r.implicit().training().itemsByPopularity(1);
    Matrix data = r.implicit().training().matrix(new ItemVocabulary(items));
    return new AutoencoderTrainer(FamilyModels.CONFIG.withHeldOutFraction(0.1)).train(AutoencoderSpec.ease(items, null),
        data);
  }

  @Test
  void easeRanksFarAbovePopularityWithLambdaChosenOnValidationUsers() {
    FamilyModels.Recommenders r = FamilyModels.ratings();
    TrainedModel model = ease();
    assertThat(model.metrics().lambdaNdcg()).hasSize(Ease.LAMBDAS.length);
    double best = model.metrics().lambdaNdcg().values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    assertThat(model.metrics().lambdaNdcg().get(String.valueOf(model.spec().lambda()))).isEqualTo(best);
    // Served through the engine path like any family, on both engines.
    for (EngineKind engine : List.of(EngineKind.MXNET, EngineKind.PYTORCH)) {
      try (Autoencoder ease = Autoencoders.load(model.spec(), model.weights(), engine)) {
        RankingMetrics m = RecommenderEvaluator.evaluate(ease, r.implicit().test());
        RankingMetrics pop = RecommenderEvaluator.popularity(r.implicit().training(), ItemVocabulary.of(model.spec()),
            r.implicit().test());
        System.out.printf("ease on %s: lambda %s, %s; popularity %s%n", engine, model.spec().lambda(), m, pop);
        assertThat(m.users()).isEqualTo(pop.users()).isGreaterThan(150);
        assertThat(m.ndcgAt100()).isGreaterThan(pop.ndcgAt100() + 0.2);
        assertThat(m.recallAt20()).isGreaterThan(pop.recallAt20() + 0.2);
      }
    }
  }

  @Test
  void easeEncodesTheItemVectorAndScoresItsProductWithTheWeights() {
    TrainedModel model = ease();
    AutoencoderSpec spec = AutoencoderSpec.fromJson(model.spec().toJson());
    assertThat(spec).isEqualTo(model.spec());
    assertThat(spec.latentDim()).isEqualTo(spec.inputDim());
    assertThat(spec.family().servedRpcs()).containsExactly(Rpc.ENCODE, Rpc.RECONSTRUCT, Rpc.RECOMMEND);
    int n = spec.inputDim();
    float[] row = new float[n];
    row[0] = 1;
    row[2] = 1;
    try (Autoencoder ease = Autoencoders.load(spec, model.weights(), EngineKind.MXNET)) {
      Matrix x = new Matrix(1, n, row);
      assertThat(ease.encode(x).data()).containsExactly(row);
      Matrix scores = ease.scoreItems(x);
      // The diagonal is zero: an item never recommends itself, so a one-item user scores 0 on it.
      float[] single = new float[n];
      single[1] = 1;
      assertThat(ease.scoreItems(new Matrix(1, n, single)).data()[1]).isEqualTo(0f);
      Reconstruction rec = ease.reconstruct(x);
      assertThat(rec.output().data()).containsExactly(scores.data(), within(1e-6f));
      assertThatThrownBy(() -> ease.decode(new Matrix(1, n, row))).isInstanceOf(RpcNotServedException.class)
          .hasMessageContaining("ease");
    }
    assertThatThrownBy(() -> Autoencoders.load(AutoencoderSpec.ease(spec.itemIds().subList(0, n - 1), null),
        model.weights(), EngineKind.MXNET)).isInstanceOf(IncompatibleWeightsException.class)
        .hasMessageContaining("items x items");
  }

  @Test
  void easeSpecsAreChecked() {
    assertThatThrownBy(() -> new AutoencoderSpec(Family.EASE, 0, 3, List.of(), null, null, null, null, null, null,
        null, null, null, null, null, null, List.of("a", "b"), null))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("latentDim must equal inputDim (2)");
    assertThatThrownBy(() -> AutoencoderSpec.ease(List.of("a", "b"), -1.0))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("lambda must be finite and positive");
  }

  @Test
  void closedFormMatchesItsDefinition() {
    // Two users over three items: B = I - P / diag(P), P = (X^T X + lambda I)^-1, diagonal zero.
    Matrix x = new Matrix(2, 3, new float[] {1, 1, 0, 0, 1, 1});
    float[] b = Ease.weights(x, 1.0);
    // G + I = [[2,1,0],[1,3,1],[0,1,2]]; its inverse is [[5,-2,1],[-2,4,-2],[1,-2,5]] / 8.
    double[][] p = {{5, -2, 1}, {-2, 4, -2}, {1, -2, 5}};
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        double expected = i == j ? 0 : -p[i][j] / p[j][j];
        assertThat((double) b[i * 3 + j]).isCloseTo(expected, within(1e-6));
      }
    }
  }
}
