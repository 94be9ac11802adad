package dev.aeserve.autoencoders;

import dev.aeserve.autoencoders.internal.StandardNormal;

/**
 * Draws latent rows from the prior N(0, temperature^2 I), engine-free and reproducible: row i
 * of a request depends only on the seed and i (one fresh stream per request, read in row order),
 * never on other rows, requests or threads. So Sample with the same seed gives the same z,
 * alone or batched, and a request for more rows extends a shorter one with the same prefix.
 */
public final class LatentSampler {
  /** The same bound as {@link ComputeLimits#MAX_SAMPLE_COUNT}. */
  public static final int MAX_COUNT = ComputeLimits.MAX_SAMPLE_COUNT;

  private LatentSampler() {}

  /**
   * @throws InvalidInputException for count outside [1, {@value #MAX_COUNT}] or a temperature
   *     outside [0, {@value ComputeLimits#MAX_TEMPERATURE}]
   */
  public static Matrix sample(int count, int latentDim, long seed, double temperature) {
    ComputeLimits.requireSampleCount(count);
    ComputeLimits.requireTemperature(temperature);
    if (latentDim < 1) {
      throw new IllegalArgumentException("latentDim must be positive, got " + latentDim);
    }
    return new Matrix(count, latentDim, standardNormal(count * latentDim, seed, temperature));
  }

  /** {@code n} draws from N(0, scale^2), the same for the same seed, in the order rows are filled. */
  public static float[] standardNormal(int n, long seed, double scale) {
    StandardNormal random = new StandardNormal(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (scale * random.next()) + 0f; // + 0f: temperature 0 gives 0, not -0
    }
    return out;
  }
}
