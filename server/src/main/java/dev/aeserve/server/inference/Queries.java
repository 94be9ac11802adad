package dev.aeserve.server.inference;

import dev.aeserve.autoencoders.Corruption;
import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.Interpolation;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.ScoreKind;
import java.util.List;

/**
 * The six calls' requests in domain terms, as the transport hands them to {@link Inference}:
 * decoded, not yet checked against any version. Counts the wire carries unsigned are longs, so a
 * value beyond {@code int} is refused as itself. Label lists are empty for no condition.
 */
public final class Queries {

  private Queries() {}

  /** @param seed the seed of a requested sample, or null for a fresh one */
  public record Encode(Matrix inputs, List<String> labels, boolean sample, Long seed) {}

  /** @param fingerprint the latent space the codes come from, or empty for unchecked */
  public record Decode(Matrix latents, List<String> labels, String fingerprint) {}

  /** @param scoreKind the score asked for, or null for the spec's own */
  public record Reconstruct(Matrix inputs, List<String> labels, ScoreKind scoreKind) {}

  /**
   * @param seed null for a fresh one (echoed back)
   * @param temperature null for 1
   * @param interpolation null for draws from the prior
   */
  public record Sample(long count, Long seed, Float temperature, List<String> labels, Interpolate interpolation) {}

  /** @param endpoints the two endpoints, or null when the request has none */
  public record Interpolate(long steps, Interpolation method, Matrix endpoints, boolean endpointsAreInputs) {}

  /**
   * @param corruption server-side corruption for evaluation, or null
   * @param seed the corruption's seed, or null for a fresh one
   */
  public record Denoise(Matrix inputs, Corruption corruption, Long seed) {}

  public record User(String id, List<Interaction> interactions) {}

  /** @param excludeSeen null for the default (exclude) */
  public record Recommend(List<User> users, long k, Boolean excludeSeen, List<String> candidates,
      List<String> excluded) {}
}
