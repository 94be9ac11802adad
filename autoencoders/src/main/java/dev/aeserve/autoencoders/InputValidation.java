package dev.aeserve.autoencoders;

import java.util.Objects;

/**
 * The I/O contract checks every call makes before any row reaches an engine. Public so that a
 * server can refuse bad input before it is queued for a batch, with the very same messages.
 */
public final class InputValidation {
  private InputValidation() {}

  /** x must have rows of {@code spec.inputDim()} finite values. */
  public static void requireInput(AutoencoderSpec spec, Matrix x) {
    requireRows(x, spec.inputDim(), "input", "inputDim");
  }

  /**
   * z must have rows of {@code spec.latentDim()} finite values, each at most
   * {@link ComputeLimits#MAX_ABS_LATENT} in magnitude, so codes no decoder maps to finite values
   * are refused before any compute.
   */
  public static void requireLatent(AutoencoderSpec spec, Matrix z) {
    requireRows(z, spec.latentDim(), "latent", "latentDim");
    float[] data = z.data();
    for (int i = 0; i < data.length; i++) {
      if (!ComputeLimits.latentInRange(data[i])) {
        throw new InvalidInputException("latent row " + (i / z.cols()) + ", column " + (i % z.cols()) + " is "
            + data[i] + "; " + LATENT_RANGE);
      }
    }
  }

  /** What {@link #requireLatent} says of a value out of range. */
  public static final String LATENT_RANGE = "latent values must lie in [-" + (long) ComputeLimits.MAX_ABS_LATENT
      + ", " + (long) ComputeLimits.MAX_ABS_LATENT + "]";

  private static void requireRows(Matrix m, int width, String what, String field) {
    Objects.requireNonNull(m, what);
    if (m.rows() == 0) {
      throw new InvalidInputException(what + " has no rows");
    }
    if (m.cols() != width) {
      throw new InvalidInputException(what + " has " + m.cols() + " values per row, the model expects "
          + width + " (" + field + ")");
    }
    float[] data = m.data();
    for (int i = 0; i < data.length; i++) {
      if (!Float.isFinite(data[i])) {
        throw new InvalidInputException(what + " row " + (i / width) + ", column " + (i % width) + " is "
            + data[i] + "; values must be finite");
      }
    }
  }
}
