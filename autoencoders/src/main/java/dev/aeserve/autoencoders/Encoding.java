package dev.aeserve.autoencoders;

import java.util.Objects;

/**
 * What Encode returns.
 *
 * @param mean z for deterministic families; the posterior mean for variational ones
 * @param logVariance the posterior log-variance per latent dimension; null for deterministic families
 * @param sample {@code mean + exp(logVariance / 2) * eps} with eps drawn by {@link LatentSampler}
 *     from the call's seed at temperature 1; null unless asked for (and for deterministic families)
 */
public record Encoding(Matrix mean, Matrix logVariance, Matrix sample) {
  public Encoding {
    Objects.requireNonNull(mean, "mean");
  }
}
