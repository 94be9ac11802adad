package dev.aeserve.autoencoders.evaluation;

import java.util.Arrays;

/**
 * Area under the ROC curve of anomaly scores against labels: the probability that a random
 * anomaly scores above a random normal row, ties counting half (the Mann-Whitney statistic).
 */
public final class Auroc {
  private Auroc() {}

  /**
   * @param anomalous true for the rows that are anomalies
   * @throws IllegalArgumentException when lengths differ or either class is empty
   */
  public static double of(float[] scores, boolean[] anomalous) {
    if (scores.length != anomalous.length) {
      throw new IllegalArgumentException(scores.length + " scores for " + anomalous.length + " labels");
    }
    int n = scores.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
    double rankSum = 0;
    long positives = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
        j++;
      }
      double averageRank = (i + j) / 2.0 + 1;
      for (int t = i; t <= j; t++) {
        if (anomalous[order[t]]) {
          rankSum += averageRank;
          positives++;
        }
      }
      i = j + 1;
    }
    long negatives = n - positives;
    if (positives == 0 || negatives == 0) {
      throw new IllegalArgumentException("AUROC needs both anomalies and normal rows; got " + positives
          + " anomalies and " + negatives + " normal rows");
    }
    return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }
}
