package dev.aeserve.client;

/**
 * Server-side corruption of clean inputs before Denoise, to evaluate a denoiser on known noise:
 * masking, then salt-and-pepper, then gaussian noise, then clipping.
 *
 * @param seed null lets the server choose (and echo) one
 * @param clipMin null: the spec's input range, or none
 */
public record Corruption(float gaussianSigma, float maskProbability, float saltPepperProbability, Long seed,
    Float clipMin, Float clipMax) {

  public static Corruption gaussian(float sigma) {
    return new Corruption(sigma, 0, 0, null, null, null);
  }

  public static Corruption masking(float p) {
    return new Corruption(0, p, 0, null, null, null);
  }

  public static Corruption saltAndPepper(float p) {
    return new Corruption(0, 0, p, null, null, null);
  }

  public Corruption withSeed(long s) {
    return new Corruption(gaussianSigma, maskProbability, saltPepperProbability, s, clipMin, clipMax);
  }

  public Corruption withClip(float min, float max) {
    return new Corruption(gaussianSigma, maskProbability, saltPepperProbability, seed, min, max);
  }
}
