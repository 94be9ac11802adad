package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.Interpolation;
import java.util.Objects;

/**
 * One Sample request, validated: either {@code count} draws from the prior, or an interpolation
 * between two points ({@code from} and {@code to}, latents or inputs) in {@code steps} steps.
 * Sample requests are computed one at a time: their bytes must not depend on what else is in a
 * batch (see {@link dev.aeserve.autoencoders.Autoencoder#sample}).
 */
public record SampleTask(
    int count,
    long seed,
    double temperature,
    Conditions conditions,
    Interpolation interpolation,
    float[] from,
    float[] to,
    boolean endpointsAreInputs,
    int steps) {

  public SampleTask {
    Objects.requireNonNull(conditions, "conditions");
  }

  public boolean interpolates() {
    return interpolation != null;
  }

  int rows() {
    return interpolates() ? steps : count;
  }
}
