package dev.aeserve.autoencoders;

import java.util.Locale;
import java.util.Objects;

/**
 * Paths between two latent rows, engine-free: {@code steps} rows from the first endpoint to the
 * second, both included. Interpolating between two inputs is encode, then this, then decode.
 */
public enum Interpolation {
  /** (1 - t) a + t b. */
  LINEAR,
  /**
   * Spherical: sin((1 - t) w) / sin(w) a + sin(t w) / sin(w) b with w the angle between a and
   * b, which keeps the norm typical of prior samples in high dimensions. Falls back to linear
   * when the rows are (anti)parallel or either is zero, where the arc is not defined.
   */
  SLERP;

  /** The same bound as {@link ComputeLimits#MAX_INTERPOLATION_STEPS}. */
  public static final int MAX_STEPS = ComputeLimits.MAX_INTERPOLATION_STEPS;

  public static Interpolation fromId(String id) {
    try {
      return valueOf(Objects.requireNonNull(id, "id").trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("unknown interpolation '" + id + "'; use linear or slerp");
    }
  }

  /**
   * @param steps rows in the path, in [2, {@value #MAX_STEPS}]
   * @throws InvalidInputException when the endpoints differ in width, are not finite, or steps
   *     is out of range
   */
  public Matrix path(float[] a, float[] b, int steps) {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    if (a.length != b.length || a.length == 0) {
      throw new InvalidInputException("interpolation endpoints have " + a.length + " and " + b.length
          + " values; they must have the same, non-zero width");
    }
    ComputeLimits.requireInterpolationSteps(steps);
    for (int i = 0; i < a.length; i++) {
      if (!Float.isFinite(a[i]) || !Float.isFinite(b[i])) {
        throw new InvalidInputException("interpolation endpoints must be finite (column " + i + ")");
      }
    }
    int d = a.length;
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < d; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    double cos = na == 0 || nb == 0 ? 1 : Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
    double omega = Math.acos(cos);
    boolean linear = this == LINEAR || Math.sin(omega) < 1e-6;
    float[] out = new float[steps * d];
    for (int s = 0; s < steps; s++) {
      double t = (double) s / (steps - 1);
      double wa;
      double wb;
      if (linear) {
        wa = 1 - t;
        wb = t;
      } else {
        wa = Math.sin((1 - t) * omega) / Math.sin(omega);
        wb = Math.sin(t * omega) / Math.sin(omega);
      }
      for (int i = 0; i < d; i++) {
        out[s * d + i] = s == 0 ? a[i] : s == steps - 1 ? b[i] : (float) (wa * a[i] + wb * b[i]);
      }
    }
    return new Matrix(steps, d, out);
  }
}
