package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.Matrix;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A request's rows on their way to a batch, with the condition label of each row for conditional
 * families (null for the others).
 */
public record Rows(Matrix x, int[] labels) {

  public Rows {
    Objects.requireNonNull(x, "x");
    if (labels != null && labels.length != x.rows()) {
      throw new IllegalArgumentException(labels.length + " labels for " + x.rows() + " rows");
    }
  }

  public static Rows of(Matrix x) {
    return new Rows(x, null);
  }

  Conditions conditions() {
    return labels == null ? Conditions.NONE : Conditions.perRow(labels);
  }

  /** Rows of many requests, in order, as one. All have labels or none do (one version, one family). */
  static Rows concat(List<Rows> parts) {
    int rows = 0;
    for (Rows r : parts) {
      rows += r.x.rows();
    }
    int cols = parts.get(0).x.cols();
    float[] data = new float[rows * cols];
    int[] labels = parts.get(0).labels == null ? null : new int[rows];
    int offset = 0;
    int row = 0;
    for (Rows r : parts) {
      System.arraycopy(r.x.data(), 0, data, offset, r.x.data().length);
      offset += r.x.data().length;
      if (labels != null) {
        System.arraycopy(r.labels, 0, labels, row, r.labels.length);
      }
      row += r.x.rows();
    }
    return new Rows(new Matrix(rows, cols, data), labels);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Rows r && r.x.equals(x) && Arrays.equals(r.labels, labels);
  }

  @Override
  public int hashCode() {
    return 31 * x.hashCode() + Arrays.hashCode(labels);
  }
}
