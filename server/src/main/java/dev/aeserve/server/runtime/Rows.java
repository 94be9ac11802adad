package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.Matrix;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A request's rows on their way to a batch, admitted: {@link Admission} built them after checking
 * them against the version's spec (width, values, condition labels), and nothing else can. The
 * condition label of each row rides along for conditional families (null for the others).
 */
public final class Rows {

  private final Matrix x;
  private final int[] labels;

  Rows(Matrix x, int[] labels) {
    this.x = Objects.requireNonNull(x, "x");
    if (labels != null && labels.length != x.rows()) {
      throw new IllegalArgumentException(labels.length + " labels for " + x.rows() + " rows");
    }
    this.labels = labels;
  }

  public Matrix x() {
    return x;
  }

  /** One label index per row, or null for a family without conditions. */
  public int[] labels() {
    return labels;
  }

  Conditions conditions() {
    return labels == null ? Conditions.NONE : Conditions.perRow(labels);
  }

  /**
   * Rows of many requests, in order, as one. Admission makes every part of one lane the same
   * width, with labels on all or none; a part that is not is a bug, refused here rather than
   * computed into other callers' answers.
   */
  static Rows concat(List<Rows> parts) {
    Rows first = parts.get(0);
    int cols = first.x.cols();
    int rows = 0;
    for (Rows r : parts) {
      if (r.x.cols() != cols || (r.labels == null) != (first.labels == null)) {
        throw new IllegalStateException("a batch part is " + r.x.cols() + " wide" + (r.labels == null ? "" : ", labelled")
            + "; the batch is " + cols + " wide" + (first.labels == null ? "" : ", labelled")
            + ": admission let through rows of another shape");
      }
      rows += r.x.rows();
    }
    float[] data = new float[rows * cols];
    int[] labels = first.labels == null ? null : new int[rows];
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

  @Override
  public String toString() {
    return "Rows[" + x.rows() + "x" + x.cols() + (labels == null ? "" : ", labelled") + "]";
  }
}
