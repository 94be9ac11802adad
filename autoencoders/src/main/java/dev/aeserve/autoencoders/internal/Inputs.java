package dev.aeserve.autoencoders.internal;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Family;

/**
 * The preprocessing that happens in Java around the blocks, the same in training and serving:
 * standardization, Mult-VAE's L2 row normalization, and a cvae's one-hot condition. Keeping it out
 * of the engine keeps the artifact free of anything but learned parameters.
 */
public final class Inputs {
  private Inputs() {}

  /** What the encoder block sees for raw rows x (rows x inputDim): rows x encoderInputWidth. */
  public static float[] encoderInput(AutoencoderSpec spec, float[] x, int rows, int[] conditions) {
    float[] features = spec.standardization() == null ? x : spec.standardization().apply(x);
    if (spec.family() == Family.MULTVAE) {
      features = l2Normalized(features, rows, spec.inputDim());
    }
    return withOneHot(features, rows, spec.inputDim(), conditions, spec.conditionCount());
  }

  /** What the decoder block sees for latent rows z: z, then a cvae's one-hot condition. */
  public static float[] decoderInput(AutoencoderSpec spec, float[] z, int rows, int[] conditions) {
    return withOneHot(z, rows, spec.latentDim(), conditions, spec.conditionCount());
  }

  static float[] l2Normalized(float[] x, int rows, int cols) {
    float[] out = new float[x.length];
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int c = 0; c < cols; c++) {
        sum += (double) x[r * cols + c] * x[r * cols + c];
      }
      double norm = Math.sqrt(sum);
      if (norm > 0) {
        for (int c = 0; c < cols; c++) {
          out[r * cols + c] = (float) (x[r * cols + c] / norm);
        }
      }
    }
    return out;
  }

  static float[] withOneHot(float[] x, int rows, int cols, int[] conditions, int labels) {
    if (labels == 0) {
      return x;
    }
    int width = cols + labels;
    float[] out = new float[rows * width];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(x, r * cols, out, r * width, cols);
      out[r * width + cols + conditions[r]] = 1f;
    }
    return out;
  }
}
