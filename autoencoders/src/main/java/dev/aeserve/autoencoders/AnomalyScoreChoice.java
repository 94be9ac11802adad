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
 * can compute ranks held-out normal rows against off-distribution rows generated from them, and
 * the score with the highest AUROC wins, MSE on ties, so the default never ranks worse than MSE
 * on this check.
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

  private AnomalyScoreChoice() {}

  /**
   * @param spec the trained spec, with its density when it has one
   * @param auroc AUROC of every score tried, by score id, in the order tried
   */
  public record Choice(AutoencoderSpec spec, ScoreKind kind, Map<String, Double> auroc) {}

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
      return new Choice(spec, spec.defaultScoreKind(), Map.of());
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
    ScoreKind best = ScoreKind.MSE;
    double bestAuroc = Double.NEGATIVE_INFINITY;
    try (Autoencoder model = Autoencoders.load(withDensity, weights, engine)) {
      for (ScoreKind kind : candidates(withDensity)) {
        float[] normal = Calibrator.scores(model, heldOut, kind, normalConditions);
        float[] off = Calibrator.scores(model, generated, kind, normalConditions);
        float[] all = new float[normal.length + off.length];
        System.arraycopy(normal, 0, all, 0, normal.length);
        System.arraycopy(off, 0, all, normal.length, off.length);
        double a = Auroc.of(all, anomalous);
        auroc.put(kind.id(), a);
        if (a > bestAuroc) {
          bestAuroc = a;
          best = kind;
        }
      }
    }
    return new Choice(spec.withAnomalyScore(best, withDensity.latentDensity()), best, auroc);
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
