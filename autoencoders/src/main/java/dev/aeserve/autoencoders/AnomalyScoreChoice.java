package dev.aeserve.autoencoders;

import dev.aeserve.autoencoders.evaluation.Auroc;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Chooses a trained version's default anomaly score without test labels: each score the version
 * can compute ranks held-out normal rows against off-distribution rows generated from them. The
 * best reconstruction score on that check (MSE on ties) is the floor; the combined score
 * ({@link ScoreKind#MSE_MAHALANOBIS}: error and latent density) is the default whenever it keeps
 * at least half of that score's margin over chance on the check and its latent distance alone
 * ranks the generated rows above the normal ones (see {@link #decide}).
 *
 * <p>Why not simply the training loss: BCE grows with a row's own entropy (grey pixels cost more
 * than black or white ones even when reconstructed perfectly), so as an anomaly score it ranks
 * rows by brightness. The generated rows keep the normal rows' marginals (their values come from
 * other held-out rows), so a score that follows brightness gains nothing from it here.
 *
 * <p>Two kinds of generated rows, half each: a contiguous quarter of the features pasted from
 * another row (for images, a band of another image), and a quarter of the features, scattered,
 * each taken from another random row. Both keep every value in range and break the joint
 * structure the model learned.
 */
public final class AnomalyScoreChoice {
  private static final double PASTED_SHARE = 0.25;
  /** Codes the density is fitted on, at most: the fit is O(rows k^2). */
  private static final int MAX_DENSITY_ROWS = 20_000;
  /** Share of the best reconstruction score's margin over chance the combined score must keep. */
  static final double RETAINED_MARGIN = 0.5;

  private AnomalyScoreChoice() {}

  /**
   * @param spec the trained spec, with its density when it has one
   * @param auroc AUROC of every score tried, by score id, in the order tried
   * @param latentAuroc AUROC of the code's Mahalanobis distance alone on the same check; NaN when
   *     the version has no combined score
   */
  public record Choice(AutoencoderSpec spec, ScoreKind kind, Map<String, Double> auroc, double latentAuroc) {}

  /**
   * Fits the latent density on {@code training}'s codes, then tries every score the family can
   * compute. Families without Reconstruct, and recommenders (whose rows have no off-distribution
   * counterpart to generate), keep the spec as it is.
   *
   * @param labels a cvae's label per training row, else null
   * @param heldOutLabels a cvae's label per held-out row, else null
   */
  public static Choice choose(AutoencoderSpec spec, byte[] weights, EngineKind engine, Matrix training, int[] labels,
      Matrix heldOut, int[] heldOutLabels, long seed) {
    if (!spec.family().serves(Rpc.RECONSTRUCT) || spec.family().recommender() || heldOut.rows() < 2) {
      return new Choice(spec, spec.defaultScoreKind(), Map.of(), Double.NaN);
    }
    AutoencoderSpec withDensity;
    try (Autoencoder model = Autoencoders.load(spec, weights, engine)) {
      int rows = Math.min(training.rows(), MAX_DENSITY_ROWS);
      Matrix sample = training.slice(0, rows);
      Conditions c = labels == null ? Conditions.NONE : Conditions.perRow(Arrays.copyOf(labels, rows));
      float[] mse = Calibrator.scores(model, sample, ScoreKind.MSE, c);
      Matrix codes = encode(model, sample, c);
      withDensity = spec.withAnomalyScore(ScoreKind.MSE, LatentDensity.fit(codes, mse));
    }
    Matrix generated = offDistribution(heldOut, seed);
    boolean[] anomalous = new boolean[heldOut.rows() + generated.rows()];
    Arrays.fill(anomalous, heldOut.rows(), anomalous.length, true);
    Conditions normalConditions = heldOutLabels == null ? Conditions.NONE : Conditions.perRow(heldOutLabels);
    Map<String, Double> auroc = new LinkedHashMap<>();
    Map<ScoreKind, Double> byKind = new LinkedHashMap<>();
    double latentAuroc = Double.NaN;
    try (Autoencoder model = Autoencoders.load(withDensity, weights, engine)) {
      for (ScoreKind kind : candidates(withDensity)) {
        float[] normal = Calibrator.scores(model, heldOut, kind, normalConditions);
        float[] off = Calibrator.scores(model, generated, kind, normalConditions);
        double a = Auroc.of(concat(normal, off), anomalous);
        auroc.put(kind.id(), a);
        byKind.put(kind, a);
      }
      if (byKind.containsKey(ScoreKind.MSE_MAHALANOBIS)) {
        latentAuroc = Auroc.of(concat(distances(model, heldOut, normalConditions),
            distances(model, generated, normalConditions)), anomalous);
      }
    }
    ScoreKind best = decide(byKind, latentAuroc);
    return new Choice(spec.withAnomalyScore(best, withDensity.latentDensity()), best, auroc, latentAuroc);
  }

  /**
   * The rule, given each candidate's AUROC on the generated rows (in the order tried, MSE first)
   * and the AUROC of the code's Mahalanobis distance alone on the same rows.
   *
   * <p>First the best reconstruction score: the highest AUROC among the scores other than
   * {@link ScoreKind#MSE_MAHALANOBIS}, the earliest (MSE) on ties. The combined score replaces it
   * when two things hold:
   *
   * <ol>
   *   <li>the latent distance points the right way on this data: on its own it ranks the generated
   *       rows above the held-out normal ones (AUROC above 0.5). Where it does not, codes of
   *       broken rows land nearer the training codes' centre than normal codes do, and adding the
   *       distance would reward exactly the rows to flag (on blob images whose position and grey
   *       level are uniform, the distance alone ranks planted anomalies at 0.15 and the combined
   *       score at chance);
   *   <li>it keeps at least {@link #RETAINED_MARGIN} of the best reconstruction score's margin over
   *       chance (AUROC - 0.5) on the check, so it still sees corrupted rows.
   * </ol>
   *
   * <p>Why the combined score need not beat the error on the check itself: the generated rows are
   * local corruptions of normal rows (pasted bands, scattered features), the anomalies a
   * reconstruction error is made for, and their codes move only a little; a row of a kind never
   * seen in training (another class) moves its code away, which only the latent term sees. So the
   * check ranks the combined score somewhat below the error even where it ranks unseen kinds of
   * rows clearly better (Fashion-MNIST one-class: MSE wins the check for every class and loses
   * the test ranking to the combined score for most, docs/evaluation.md).
   */
  static ScoreKind decide(Map<ScoreKind, Double> auroc, double latentAuroc) {
    ScoreKind best = ScoreKind.MSE;
    double bestAuroc = Double.NEGATIVE_INFINITY;
    for (Map.Entry<ScoreKind, Double> e : auroc.entrySet()) {
      if (e.getKey() != ScoreKind.MSE_MAHALANOBIS && e.getValue() > bestAuroc) {
        bestAuroc = e.getValue();
        best = e.getKey();
      }
    }
    Double combined = auroc.get(ScoreKind.MSE_MAHALANOBIS);
    if (combined != null && latentAuroc > 0.5 && combined > 0.5
        && combined - 0.5 >= RETAINED_MARGIN * (bestAuroc - 0.5)) {
      return ScoreKind.MSE_MAHALANOBIS;
    }
    return best;
  }

  /** Squared Mahalanobis distance of each row's code from the version's latent density. */
  private static float[] distances(Autoencoder model, Matrix x, Conditions c) {
    Matrix codes = encode(model, x, c);
    LatentDensity density = model.spec().latentDensity();
    float[] out = new float[x.rows()];
    for (int r = 0; r < out.length; r++) {
      out[r] = (float) density.squaredDistance(codes.data(), r * codes.cols());
    }
    return out;
  }

  private static float[] concat(float[] a, float[] b) {
    float[] all = new float[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  /** MSE first, so it wins ties. */
  private static List<ScoreKind> candidates(AutoencoderSpec spec) {
    List<ScoreKind> out = new ArrayList<>();
    out.add(ScoreKind.MSE);
    for (ScoreKind k : ScoreKind.values()) {
      if (k != ScoreKind.MSE && spec.canScore(k) && (k != ScoreKind.BCE || spec.loss().equals("bce"))) {
        out.add(k);
      }
    }
    return out;
  }

  private static Matrix encode(Autoencoder model, Matrix x, Conditions c) {
    int[] labels = c.resolve(model.spec(), x.rows());
    int latent = model.spec().latentDim();
    float[] out = new float[x.rows() * latent];
    for (int from = 0; from < x.rows(); from += 1024) {
      int to = Math.min(x.rows(), from + 1024);
      Conditions slice = labels == null ? Conditions.NONE : Conditions.perRow(Arrays.copyOfRange(labels, from, to));
      float[] z = model.encode(x.slice(from, to), slice, null).mean().data();
      System.arraycopy(z, 0, out, from * latent, z.length);
    }
    return new Matrix(x.rows(), latent, out);
  }

  /**
   * One generated row per row of {@code normal}, in the same order (so a cvae's labels still
   * apply): even rows get a contiguous quarter of another row's features, odd rows a scattered
   * quarter of features each from a random other row.
   */
  public static Matrix offDistribution(Matrix normal, long seed) {
    Random random = new Random(seed ^ 0x0FFD15L);
    int rows = normal.rows();
    int cols = normal.cols();
    float[] src = normal.data();
    float[] out = src.clone();
    int width = Math.max(1, (int) Math.round(cols * PASTED_SHARE));
    for (int r = 0; r < rows; r++) {
      if (r % 2 == 0) {
        int donor = other(random, r, rows);
        int start = random.nextInt(cols);
        for (int i = 0; i < width; i++) {
          int c = (start + i) % cols;
          out[r * cols + c] = src[donor * cols + c];
        }
      } else {
        for (int c = 0; c < cols; c++) {
          if (random.nextDouble() < PASTED_SHARE) {
            out[r * cols + c] = src[other(random, r, rows) * cols + c];
          }
        }
      }
    }
    return new Matrix(rows, cols, out);
  }

  private static int other(Random random, int row, int rows) {
    int d = random.nextInt(rows - 1);
    return d >= row ? d + 1 : d;
  }
}
