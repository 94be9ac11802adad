package dev.aeserve.autoencoders.evaluation;

import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Ranking;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Validation users for choosing a recommender's settings while it trains (Mult-VAE's epoch, EASE's
 * lambda): rows of users the optimizer never sees, each split into a fold-in (80% of their items,
 * the input) and the rest (what the scores should rank first), as strong generalization does
 * with test users. Rows with fewer than two items are left out.
 */
public final class HeldBackUsers {
  public static final int DEPTH = 100;
  private static final double FOLD_IN = 0.8;

  private final Matrix foldIn;
  private final int[][] heldOut;

  private HeldBackUsers(Matrix foldIn, int[][] heldOut) {
    this.foldIn = foldIn;
    this.heldOut = heldOut;
  }

  /** Splits every row of {@code users} (users x items, 0 = no interaction) with a seeded draw. */
  public static HeldBackUsers of(Matrix users, long seed) {
    Random random = new Random(seed);
    int cols = users.cols();
    List<float[]> rows = new ArrayList<>();
    List<int[]> targets = new ArrayList<>();
    for (int r = 0; r < users.rows(); r++) {
      float[] row = users.row(r);
      List<Integer> items = new ArrayList<>();
      for (int c = 0; c < cols; c++) {
        if (row[c] != 0) {
          items.add(c);
        }
      }
      if (items.size() < 2) {
        continue;
      }
      java.util.Collections.shuffle(items, random);
      int kept = Math.max(1, Math.min(items.size() - 1, (int) Math.round(items.size() * FOLD_IN)));
      float[] in = row.clone();
      int[] out = new int[items.size() - kept];
      for (int i = kept; i < items.size(); i++) {
        in[items.get(i)] = 0;
        out[i - kept] = items.get(i);
      }
      rows.add(in);
      targets.add(out);
    }
    float[] data = new float[rows.size() * cols];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i), 0, data, i * cols, cols);
    }
    return new HeldBackUsers(new Matrix(rows.size(), cols, data), targets.toArray(new int[0][]));
  }

  /** How many users can be scored (those with two or more items). */
  public int size() {
    return heldOut.length;
  }

  /** The users' fold-in rows: what a model is given. */
  public Matrix foldIn() {
    return foldIn;
  }

  /**
   * Mean NDCG@100 of {@code scores} (one row per user, over the items), fold-in items excluded
   * from each ranking; 0 when there are no users.
   */
  public double ndcg(Matrix scores) {
    if (heldOut.length == 0) {
      return 0;
    }
    int cols = foldIn.cols();
    double sum = 0;
    boolean[] seen = new boolean[cols];
    for (int u = 0; u < heldOut.length; u++) {
      for (int c = 0; c < cols; c++) {
        seen[c] = foldIn.data()[u * cols + c] != 0;
      }
      int[] top = Ranking.topK(scores.row(u), DEPTH, seen, null);
      java.util.Set<Integer> wanted = new java.util.HashSet<>();
      for (int i : heldOut[u]) {
        wanted.add(i);
      }
      double dcg = 0;
      for (int rank = 0; rank < top.length; rank++) {
        if (wanted.contains(top[rank])) {
          dcg += 1 / log2(rank + 2);
        }
      }
      double ideal = 0;
      for (int rank = 0; rank < Math.min(DEPTH, wanted.size()); rank++) {
        ideal += 1 / log2(rank + 2);
      }
      sum += dcg / ideal;
    }
    return sum / heldOut.length;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
