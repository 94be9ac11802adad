package dev.aeserve.autoencoders.internal;

import java.util.SplittableRandom;

/**
 * Standard normal draws from a {@link SplittableRandom} by the Box-Muller transform in
 * {@link StrictMath}, so a seed gives the same numbers on every JVM and platform. (The JDK's
 * own {@code nextGaussian} is free to change its algorithm between releases.)
 */
public final class StandardNormal {
  private final SplittableRandom random;
  private double spare;
  private boolean hasSpare;

  public StandardNormal(long seed) {
    this.random = new SplittableRandom(seed);
  }

  public double next() {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    double u1 = 1.0 - random.nextDouble(); // (0, 1]: log is finite
    double u2 = random.nextDouble();
    double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
    double theta = 2.0 * StrictMath.PI * u2;
    spare = r * StrictMath.sin(theta);
    hasSpare = true;
    return r * StrictMath.cos(theta);
  }

  /** A seed for a derived stream, drawn from this one. */
  public long nextSeed() {
    return random.nextLong();
  }

  /** A uniform draw in [0, 1) from the same stream. */
  public double uniform() {
    return random.nextDouble();
  }
}
