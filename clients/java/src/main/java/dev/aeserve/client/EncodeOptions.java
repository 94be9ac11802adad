package dev.aeserve.client;

import java.util.List;
import java.util.Objects;

/**
 * Options of Encode.
 *
 * @param sample VAE families: also draw one z per row from the posterior
 * @param seed the seed of that draw; null lets the server choose (and echo) one
 * @param condition CVAE: one label per row, or one label for every row; empty otherwise
 */
public record EncodeOptions(boolean sample, Long seed, List<String> condition) {

  public EncodeOptions {
    condition = List.copyOf(Objects.requireNonNull(condition, "condition"));
  }

  public static EncodeOptions defaults() {
    return new EncodeOptions(false, null, List.of());
  }

  /** Also sample z, seeded; {@code seed} null lets the server choose. */
  public EncodeOptions withSample(Long seed) {
    return new EncodeOptions(true, seed, condition);
  }

  public EncodeOptions withCondition(String... labels) {
    return new EncodeOptions(sample, seed, List.of(labels));
  }
}
