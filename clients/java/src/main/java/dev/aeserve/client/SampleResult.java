package dev.aeserve.client;

/**
 * Decoded samples (or interpolation steps) and the latent codes they came from.
 *
 * @param seed the seed used: the one asked for, or the one the server chose
 */
public record SampleResult(float[][] samples, float[][] latents, long seed, ServedVersion servedBy) {}
