package dev.aeserve.autoencoders;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense row-major float32 matrix: the one shape in which rows travel from the wire to the engine.
 * Keeping a flat {@code float[]} avoids per-row allocation and boxing on the data path.
 *
 * <p>The array is shared, not copied: callers hand over ownership when they construct a matrix.
 */
public record Matrix(int rows, int cols, float[] data) {

  public Matrix {
    Objects.requireNonNull(data, "data");
    if (rows < 0 || cols < 0) {
      throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
    }
    if ((long) rows * cols != data.length) {
      throw new IllegalArgumentException(
          "shape " + rows + "x" + cols + " needs " + (long) rows * cols + " values, got " + data.length);
    }
  }

  public static Matrix of(float[][] rows) {
    Objects.requireNonNull(rows, "rows");
    int cols = rows.length == 0 ? 0 : rows[0].length;
    float[] data = new float[rows.length * cols];
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].length != cols) {
        throw new IllegalArgumentException("row " + r + " has " + rows[r].length + " values, row 0 has " + cols);
      }
      System.arraycopy(rows[r], 0, data, r * cols, cols);
    }
    return new Matrix(rows.length, cols, data);
  }

  public float get(int row, int col) {
    return data[row * cols + col];
  }

  public float[] row(int row) {
    return Arrays.copyOfRange(data, row * cols, (row + 1) * cols);
  }

  public float[][] toArray() {
    float[][] out = new float[rows][];
    for (int r = 0; r < rows; r++) {
      out[r] = row(r);
    }
    return out;
  }

  /** Rows {@code from} (inclusive) to {@code to} (exclusive), copied. */
  public Matrix slice(int from, int to) {
    return new Matrix(to - from, cols, Arrays.copyOfRange(data, from * cols, to * cols));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Matrix m && m.rows == rows && m.cols == cols && Arrays.equals(m.data, data);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * rows + cols) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Matrix[" + rows + "x" + cols + "]";
  }
}
