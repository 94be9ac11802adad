package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.aeserve.autoencoders.data.MalformedDatasetException;
import dev.aeserve.autoencoders.data.MovieLensReader;
import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.data.SyntheticRatings;
import dev.aeserve.autoencoders.evaluation.Auroc;
import dev.aeserve.autoencoders.evaluation.RecommenderEvaluator;
import dev.aeserve.autoencoders.evaluation.ReconstructionReport;
import dev.aeserve.autoencoders.evaluation.StrongGeneralization;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The engine-free pieces: sampling, interpolation, corruption, ranking, vocabularies, data, metrics. */
class UtilitiesTest {

  @Test
  void latentSamplerIsSeededPerRequestAndScaledByTemperature() {
    Matrix a = LatentSampler.sample(1000, 4, 5, 1.0);
    assertThat(LatentSampler.sample(1000, 4, 5, 1.0)).isEqualTo(a);
    assertThat(LatentSampler.sample(10, 4, 5, 1.0)).isEqualTo(a.slice(0, 10));
    assertThat(LatentSampler.sample(10, 4, 6, 1.0)).isNotEqualTo(a.slice(0, 10));
    Matrix hot = LatentSampler.sample(1000, 4, 5, 2.0);
    assertThat(hot.data()[17]).isEqualTo(2 * a.data()[17]);
    double sum = 0;
    double sq = 0;
    for (float v : a.data()) {
      sum += v;
      sq += v * v;
    }
    assertThat(sum / 4000).isCloseTo(0, within(0.05));
    assertThat(sq / 4000).isCloseTo(1, within(0.08));
    assertThat(LatentSampler.sample(3, 2, 1, 0).data()).containsOnly(0f);
  }

  @Test
  void interpolationIncludesBothEndpointsAndSlerpKeepsTheNorm() {
    float[] a = {1, 0};
    float[] b = {0, 1};
    Matrix linear = Interpolation.LINEAR.path(a, b, 3);
    assertThat(linear.row(1)).containsExactly(0.5f, 0.5f);
    Matrix slerp = Interpolation.SLERP.path(a, b, 3);
    assertThat(slerp.row(0)).containsExactly(a);
    assertThat(slerp.row(2)).containsExactly(b);
    assertThat((double) slerp.get(1, 0)).isCloseTo(Math.sqrt(0.5), within(1e-6));
    assertThat(Interpolation.SLERP.path(a, new float[] {2, 0}, 3).row(1)).containsExactly(1.5f, 0f);
    assertThat(Interpolation.fromId("Slerp")).isEqualTo(Interpolation.SLERP);
    assertThatThrownBy(() -> Interpolation.fromId("cubic")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Interpolation.LINEAR.path(a, new float[] {Float.NaN, 0}, 3))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("finite");
  }

  @Test
  void corruptionMasksSaltsPeppersAddsNoiseAndClipsInThatOrder() {
    Matrix x = new Matrix(100, 50, filled(5000, 0.5f));
    Matrix masked = Corruption.masking(0.3).apply(x, 1);
    double zeros = count(masked, 0f) / 5000.0;
    assertThat(zeros).isCloseTo(0.3, within(0.03));
    Matrix sp = Corruption.saltAndPepper(0.2).apply(x, 1);
    assertThat(count(sp, 0f) / 5000.0).isCloseTo(0.1, within(0.02));
    assertThat(count(sp, 1f) / 5000.0).isCloseTo(0.1, within(0.02));
    Matrix noisy = new Corruption(0.5, 0, 0, 0.0, 1.0).apply(x, 2);
    for (float v : noisy.data()) {
      assertThat(v).isBetween(0f, 1f);
    }
    assertThat(new Corruption(0.5, 0.1, 0.1, 0.0, 1.0).apply(x, 9))
        .isEqualTo(new Corruption(0.5, 0.1, 0.1, 0.0, 1.0).apply(x, 9));
    Matrix saltRange = new Corruption(0, 0, 0.5, -2.0, 3.0).apply(x, 4);
    assertThat(count(saltRange, -2f) + count(saltRange, 3f) + count(saltRange, 0.5f)).isEqualTo(5000);
    assertThatThrownBy(() -> new Corruption(-1, 0, 0, null, null)).isInstanceOf(InvalidSpecException.class);
  }

  @Test
  void rankingBreaksTiesByIndexAndHonoursExclusionsAndCandidates() {
    float[] scores = {0.5f, 0.9f, 0.5f, Float.NaN, 0.9f, 0.1f};
    assertThat(Ranking.topK(scores, 10, null, null)).containsExactly(1, 4, 0, 2, 5);
    assertThat(Ranking.topK(scores, 2, null, null)).containsExactly(1, 4);
    boolean[] excluded = {false, true, false, false, false, false};
    assertThat(Ranking.topK(scores, 3, excluded, null)).containsExactly(4, 0, 2);
    assertThat(Ranking.topK(scores, 3, excluded, new int[] {5, 2, 1, 2})).containsExactly(2, 5);
  }

  @Test
  void vocabularyMapsIdsAndReportsUnknownOnes() {
    ItemVocabulary v = new ItemVocabulary(List.of("a", "b", "c"));
    ItemVocabulary.HistoryRow row = v.row(0, List.of(new Interaction("c", 4), new Interaction("zz", 1),
        new Interaction("a", 2)));
    assertThat(row.values()).containsExactly(2f, 0f, 4f);
    assertThat(row.seen()).containsExactly(2, 0);
    assertThat(row.unknownItemIds()).containsExactly("zz");
    assertThat(v.indexOf("b")).isEqualTo(1);
    assertThat(v.indexOf("q")).isEqualTo(-1);
  }

  @Test
  void movieLensCsvAndUdataAreRead() throws Exception {
    Ratings csv = MovieLensReader.read(new StringReader("userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n"
        + "1,1029,3.0,1260759179\n7,31,4.5,1\n"), "ratings.csv");
    assertThat(csv.size()).isEqualTo(3);
    assertThat(csv.users()).containsExactly("1", "7");
    assertThat(csv.all().get(0).timestamp()).isEqualTo(1260759144L);
    Ratings udata = MovieLensReader.read(new StringReader("196\t242\t3\t881250949\n186\t302\t3\t891717742\n"), "u.data");
    assertThat(udata.all().get(1).itemId()).isEqualTo("302");
    Ratings dat = MovieLensReader.read(new StringReader("1::1193::5::978300760\n"), "ratings.dat");
    assertThat(dat.all().get(0).value()).isEqualTo(5f);
    assertThat(csv.binarized(3.5f).all()).hasSize(1);
    assertThat(csv.matrix(new ItemVocabulary(List.of("31", "1029"))).toArray())
        .isDeepEqualTo(new float[][] {{2.5f, 3f}, {4.5f, 0f}});
    assertThatThrownBy(() -> MovieLensReader.read(new StringReader("userId,movieId,rating\n1,2,x,4\n"), "bad.csv"))
        .isInstanceOf(MalformedDatasetException.class).hasMessageContaining("bad.csv: line 2");
  }

  @Test
  void syntheticRatingsHaveALongTailAndStrongGeneralizationHoldsOutWholeUsers() {
    Ratings r = SyntheticRatings.generate(300, 100, 3, 10, 20, 2.0, 1.0, 1);
    Map<String, Integer> counts = r.itemCounts();
    List<String> byPopularity = r.itemsByPopularity(1);
    int head = 0;
    for (String id : byPopularity.subList(0, 10)) {
      head += counts.get(id);
    }
    assertThat((double) head / r.size()).isGreaterThan(0.2); // 10% of items, over 20% of ratings
    StrongGeneralization.Split split = StrongGeneralization.split(r, 50, 0.8, 2);
    assertThat(split.test()).hasSize(50);
    Set<String> trainUsers = Set.copyOf(split.training().users());
    for (StrongGeneralization.TestUser u : split.test()) {
      assertThat(trainUsers).doesNotContain(u.userId());
      int total = u.foldIn().size() + u.heldOut().size();
      assertThat(u.foldIn().size()).isEqualTo((int) Math.round(total * 0.8));
    }
  }

  @Test
  void metricsFollowTheirDefinitions() {
    assertThat(RecommenderEvaluator.recall(List.of("a", "b", "c"), Set.of("b", "z"), 2)).isEqualTo(0.5);
    assertThat(RecommenderEvaluator.recall(List.of("a", "b"), Set.of("a", "b", "c", "d"), 2)).isEqualTo(1.0);
    assertThat(RecommenderEvaluator.ndcg(List.of("a", "b"), Set.of("a", "b"), 100)).isEqualTo(1.0);
    assertThat(RecommenderEvaluator.ndcg(List.of("x", "a"), Set.of("a"), 100))
        .isCloseTo(1 / (Math.log(3) / Math.log(2)), within(1e-12));
    assertThat(Auroc.of(new float[] {1, 2, 3, 4}, new boolean[] {false, false, true, true})).isEqualTo(1.0);
    assertThat(Auroc.of(new float[] {1, 1}, new boolean[] {false, true})).isEqualTo(0.5);
    assertThat(ReconstructionReport.psnr(0.01)).isCloseTo(20, within(1e-9));
  }

  private static float[] filled(int n, float v) {
    float[] d = new float[n];
    java.util.Arrays.fill(d, v);
    return d;
  }

  private static int count(Matrix m, float v) {
    int n = 0;
    for (float x : m.data()) {
      n += x == v ? 1 : 0;
    }
    return n;
  }
}
