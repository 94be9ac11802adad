package dev.aeserve.client;

import java.util.List;
import java.util.Objects;

/**
 * Options of Sample: draws from the prior, or an interpolation between two points.
 *
 * @param count number of samples (ignored with an interpolation)
 * @param seed null lets the server choose (and echo) one
 * @param temperature scales the prior's standard deviation; null means 1.0
 * @param condition CVAE: the condition of the samples; empty otherwise
 * @param interpolation null to draw from the prior
 */
public record SampleOptions(int count, Long seed, Float temperature, List<String> condition,
    Interpolation interpolation) {

  public SampleOptions {
    condition = List.copyOf(Objects.requireNonNull(condition, "condition"));
  }

  /** {@code count} draws from the prior. */
  public static SampleOptions count(int count) {
    return new SampleOptions(count, null, null, List.of(), null);
  }

  /** Interpolates; see {@link Interpolation}. */
  public static SampleOptions interpolate(Interpolation interpolation) {
    return new SampleOptions(0, null, null, List.of(), Objects.requireNonNull(interpolation, "interpolation"));
  }

  public SampleOptions withSeed(long s) {
    return new SampleOptions(count, s, temperature, condition, interpolation);
  }

  public SampleOptions withTemperature(float t) {
    return new SampleOptions(count, seed, t, condition, interpolation);
  }

  public SampleOptions withCondition(String... labels) {
    return new SampleOptions(count, seed, temperature, List.of(labels), interpolation);
  }

  /**
   * Interpolation between two endpoints (exactly two rows), given as inputs (encoded first) or as latents.
   *
   * @param steps points from the first endpoint to the second, both included (at least 2)
   * @param slerp spherical interpolation instead of linear
   */
  public record Interpolation(float[][] endpoints, boolean latents, int steps, boolean slerp) {

    public static Interpolation betweenInputs(float[][] inputs, int steps, boolean slerp) {
      return new Interpolation(inputs, false, steps, slerp);
    }

    public static Interpolation betweenLatents(float[][] latents, int steps, boolean slerp) {
      return new Interpolation(latents, true, steps, slerp);
    }
  }
}
