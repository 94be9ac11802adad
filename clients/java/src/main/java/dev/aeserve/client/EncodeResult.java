package dev.aeserve.client;

import java.util.OptionalLong;

/**
 * Latent codes, one row per input row, and the latent space they belong to.
 *
 * @param latents the codes; for VAE families the posterior mean
 * @param logVariances VAE families: the posterior log-variance, same shape as {@code latents}; else empty
 * @param samples when sampling was asked: one sampled z per row; else empty
 * @param seed the seed of {@code samples}, when sampling was asked
 */
public record EncodeResult(float[][] latents, String latentFingerprint, ServedVersion servedBy, float[][] logVariances,
    float[][] samples, OptionalLong seed) {

  public EncodeResult(float[][] latents, String latentFingerprint, ServedVersion servedBy) {
    this(latents, latentFingerprint, servedBy, new float[0][], new float[0][], OptionalLong.empty());
  }
}
